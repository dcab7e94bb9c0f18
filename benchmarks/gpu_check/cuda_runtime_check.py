"""GPU check of the ganedge runtime with onnxruntime-gpu: provider, parity with CPU, IO binding, speed."""
import json, time, threading
import numpy as np
import onnxruntime as ort
from ganedge.runtime import GeneratorModel

out = {}
out["ort_version"] = ort.__version__
out["available_providers"] = ort.get_available_providers()
t = time.perf_counter(); cuda = GeneratorModel(device="cuda"); out["cuda_open_s"] = time.perf_counter() - t
auto = GeneratorModel(device="auto"); cpu = GeneratorModel(device="cpu")
out["provider_cuda"], out["provider_auto"], out["provider_cpu"] = cuda.provider, auto.provider, cpu.provider
out["session_providers_cuda"] = cuda.session.get_providers()
z = cpu.sample_latents(20000, seed=3)
fc, fg = cpu.generate(z, output="float"), cuda.generate(z, output="float")
out["max_abs_diff_float_cuda_vs_cpu"] = float(np.max(np.abs(fc - fg)))
uc, ug = cpu.generate(z), cuda.generate(z)
out["uint8_pixels_differing"] = int((uc != ug).sum()); out["uint8_max_diff"] = int(np.max(np.abs(uc.astype(int) - ug.astype(int))))
# thread safety on CUDA
results = [None] * 4
def work(i): results[i] = cuda.generate(z[i * 1000:(i + 1) * 1000])
ts = [threading.Thread(target=work, args=(i,)) for i in range(4)]; [t.start() for t in ts]; [t.join() for t in ts]
out["threads_equal_sequential"] = all(np.array_equal(results[i], cuda.generate(z[i * 1000:(i + 1) * 1000])) for i in range(4))
# speed: generate() (IO binding inside) vs plain session.run with host copies, per batch
def med(f, n=50):
    f(); f(); ts = []
    for _ in range(n):
        t = time.perf_counter(); f(); ts.append(time.perf_counter() - t)
    return float(np.median(ts))
speed = {}
for b in (1, 64, 16384):
    zb = z[:b] if b <= len(z) else np.tile(z, (b // len(z) + 1, 1))[:b]
    speed[b] = {
        "cuda_generate_float_ms": med(lambda: cuda.generate(zb, output="float")) * 1e3,
        "cuda_generate_uint8_ms": med(lambda: cuda.generate(zb)) * 1e3,
        "cuda_session_run_ms": med(lambda: cuda.session.run(["image"], {"z": zb})) * 1e3,
        "cpu_generate_float_ms": med(lambda: cpu.generate(zb, output="float"), n=10 if b > 1000 else 50) * 1e3,
    }
out["speed"] = speed
print(json.dumps(out, indent=1))
