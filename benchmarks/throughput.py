"""Where large-batch time goes, from a profile: why fp32 throughput is short of the SGEMM rate.

At batch 16384 the output is 16384 x 784 float32 = 51 MB, larger than the
last-level cache, so every pass over it after the matmul (bias, tanh, the
page faults of a fresh allocation; in files exported before 2026-12-03 also
the final Reshape's copy) streams through DRAM. This section measures those parts separately instead of guessing:

1. onnxruntime's own per-node profile at the ``basic`` optimisation level
   (no fusion, so each node's kernel shows);
2. the same arithmetic in NumPy, one step at a time, with the matmuls
   writing into preallocated buffers (the GEMM-only rate);
3. experiments a runtime could adopt: graph optimisation levels, thread
   settings, running the batch in cache-sized chunks into one preallocated
   output (IO binding), and, for a file whose graph still ends in a
   Reshape (exported before 2026-12-03), the graph without it.
"""

from __future__ import annotations

import json
import tempfile
from collections import defaultdict
from pathlib import Path
from typing import Any, Callable

import numpy as np

from .defaults import LATENT_SEED, THROUGHPUT_CHUNKS, Budget
from .engines import IMAGE_SHAPE, LEAKY_SLOPE, cpu_session, fixed_latents, generator_weights
from .sgemm import generator_flops
from .timing import time_interleaved

PROFILED_RUNS = 10


def node_profile(model: Path | bytes, latents: np.ndarray, threads: int, runs: int = PROFILED_RUNS) -> dict[str, Any]:
    """Mean milliseconds per run of each graph node, from onnxruntime's profiler (``basic`` level).

    Examples
    --------
    >>> profile = node_profile(Path("generator.onnx"), latents, threads=2)   # doctest: +SKIP
    >>> sorted(profile["nodes"])[:2]
    ['node_Reshape_3', 'node_leaky_relu']
    """
    with tempfile.TemporaryDirectory() as folder:
        session = cpu_session(model, threads, optimization="basic", profile_prefix=str(Path(folder) / "ort"))
        input_name = session.get_inputs()[0].name
        for _ in range(runs):
            session.run(None, {input_name: latents})
        events = json.loads(Path(session.end_profiling()).read_text())
    per_node: dict[str, float] = defaultdict(float)
    op_types: dict[str, str] = {}
    run_us = 0.0
    for event in events:
        if event.get("cat") == "Node" and event["name"].endswith("_kernel_time"):
            node = event["name"][: -len("_kernel_time")]
            per_node[node] += event["dur"]
            op_types[node] = event.get("args", {}).get("op_name", "?")
        elif event.get("cat") == "Session" and event.get("name") == "model_run":
            run_us += event["dur"]
    run_ms = run_us / runs / 1e3
    nodes = {
        node: {"op": op_types[node], "ms": total / runs / 1e3, "share": (total / runs / 1e3) / run_ms if run_ms else None}
        for node, total in per_node.items()
    }
    return {"optimization": "basic", "runs": runs, "run_ms": run_ms, "nodes": nodes}


def numpy_breakdown(checkpoint: Path, latents: np.ndarray, budget: Budget) -> dict[str, Any]:
    """Milliseconds of each step of the Generator in NumPy, matmuls into preallocated buffers."""
    weights = generator_weights(checkpoint)
    w1, b1 = np.ascontiguousarray(weights["fc1.weight"].T), weights["fc1.bias"]
    w2, b2 = np.ascontiguousarray(weights["fc2.weight"].T), weights["fc2.bias"]
    batch = len(latents)
    hidden = np.empty((batch, w1.shape[1]), np.float32)
    flat = np.empty((batch, w2.shape[1]), np.float32)
    np.matmul(latents, w1, out=hidden)
    np.matmul(hidden, w2, out=flat)
    steps: dict[str, Callable[[], object]] = {
        "fc1 matmul": lambda: np.matmul(latents, w1, out=hidden),
        "fc1 bias + LeakyReLU": lambda: np.maximum(np.add(hidden, b1, out=hidden), hidden * LEAKY_SLOPE, out=hidden),
        "fc2 matmul": lambda: np.matmul(hidden, w2, out=flat),
        "fc2 bias": lambda: np.add(flat, b2, out=flat),
        "tanh": lambda: np.tanh(flat, out=flat),
        "fresh output (allocate + first touch)": lambda: np.ones((batch, w2.shape[1]), np.float32),
    }
    timings = time_interleaved(steps, budget)
    result = {name: timing.median_s * 1e3 for name, timing in timings.items()}
    gemm_s = (timings["fc1 matmul"].median_s + timings["fc2 matmul"].median_s)
    return {"ms": result, "gemm_only_gflops": generator_flops(batch) / gemm_s / 1e9,
            "output_mb": batch * w2.shape[1] * 4 / 1e6}


def without_final_reshape(model_path: Path) -> bytes | None:
    """The fp32 graph with its trailing ``Reshape`` removed (output ``[N, 784]``), or ``None``.

    The Reshape to ``[N, 1, 28, 28]`` is free in NumPy (a view) but, as the
    graph's output, costs onnxruntime a full copy of the output.
    """
    try:
        import onnx
        from onnx import helper
    except ImportError:
        return None
    model = onnx.load(str(model_path))
    graph = model.graph
    last = graph.node[-1]
    if last.op_type != "Reshape" or last.output[0] != graph.output[0].name:
        return None
    producer = next(node for node in graph.node if last.input[0] in node.output)
    producer.output[list(producer.output).index(last.input[0])] = last.output[0]
    graph.node.remove(last)
    output = graph.output[0]
    graph.output.remove(output)
    pixels = int(np.prod(IMAGE_SHAPE))
    graph.output.append(helper.make_tensor_value_info(output.name, onnx.TensorProto.FLOAT, ["N", pixels]))
    return model.SerializeToString()


def chunked_into(session: Any, latents: np.ndarray, chunk: int) -> Callable[[], np.ndarray]:
    """Run ``latents`` ``chunk`` rows at a time into one preallocated output (IO binding).

    Each chunk's output (``chunk`` x 3 KB) stays in cache while the fused
    activation and the copy touch it; the preallocated buffer saves the page
    faults of a fresh 51 MB allocation on every call.
    """
    import onnxruntime as ort

    input_name = session.get_inputs()[0].name
    output_meta = session.get_outputs()[0]
    flat_output = len(output_meta.shape) == 2
    out = np.empty((len(latents), *((int(np.prod(IMAGE_SHAPE)),) if flat_output else IMAGE_SHAPE)), np.float32)
    bindings = []
    for start in range(0, len(latents), chunk):
        binding = session.io_binding()
        binding.bind_cpu_input(input_name, latents[start:start + chunk])
        binding.bind_ortvalue_output(output_meta.name, ort.OrtValue.ortvalue_from_numpy(out[start:start + chunk]))
        bindings.append(binding)

    def run() -> np.ndarray:
        for binding in bindings:
            session.run_with_iobinding(binding)
        return out

    return run


def spinless_session(model_path: Path, threads: int) -> Any:
    """A session whose idle threads sleep instead of spinning (matters when cores are few)."""
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.log_severity_level = 3
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    return ort.InferenceSession(str(model_path), options, providers=["CPUExecutionProvider"])


def runtime_variants(fp32_model: Path, threads: int, latents: np.ndarray) -> dict[str, Callable[[], object]]:
    """The runtime API itself, float and uint8 output: their gap is the cost of the pixel conversion."""
    try:
        from .engines import runtime_model

        model = runtime_model(fp32_model, threads)
    except (ImportError, AttributeError):
        return {}
    return {
        "runtime API, generate(output='float')": lambda: model.generate(latents, output="float"),
        "runtime API, generate() -> uint8 pixels": lambda: model.generate(latents),
    }


def measure_throughput(checkpoint: Path, fp32_model: Path, threads: int, batch: int, budget: Budget,
                       latent_dim: int, sgemm_gflops: float | None) -> dict[str, Any]:
    """Profile and experiments at one large batch; every variant's GFLOP/s and share of SGEMM."""
    latents = fixed_latents(batch, latent_dim, LATENT_SEED)
    flops = generator_flops(batch, latent_dim)

    def plain(session: Any) -> Callable[[], object]:
        name = session.get_inputs()[0].name
        return lambda: session.run(None, {name: latents})

    variants: dict[str, Callable[[], object]] = {}
    for level in ("all", "basic", "disable"):
        variants[f"session.run, optimization={level}"] = plain(cpu_session(fp32_model, threads, level))
    if threads > 1:
        variants["session.run, 1 thread"] = plain(cpu_session(fp32_model, 1))
    variants["session.run, no spinning"] = plain(spinless_session(fp32_model, threads))
    default_session = cpu_session(fp32_model, threads)
    variants["IO binding, whole batch into a preallocated output"] = chunked_into(default_session, latents, batch)
    for chunk in THROUGHPUT_CHUNKS:
        if chunk < batch:
            variants[f"IO binding, chunks of {chunk} rows"] = chunked_into(default_session, latents, chunk)
    flat = without_final_reshape(fp32_model)
    if flat is not None:
        flat_session = cpu_session(flat, threads)
        variants["graph without the final Reshape, session.run"] = plain(flat_session)
        best_chunk = 1024 if batch > 1024 else batch
        variants[f"graph without the final Reshape, chunks of {best_chunk} rows"] = chunked_into(flat_session, latents, best_chunk)
    variants.update(runtime_variants(fp32_model, threads, latents))
    timings = time_interleaved(variants, budget)
    rows = {}
    for name, timing in timings.items():
        gflops = flops / timing.median_s / 1e9
        rows[name] = {"median_ms": timing.median_s * 1e3, "calls": timing.calls, "gflops": gflops,
                      "sgemm_share": gflops / sgemm_gflops if sgemm_gflops else None}
    return {
        "batch": batch,
        "output_mb": batch * int(np.prod(IMAGE_SHAPE)) * 4 / 1e6,
        "variants": rows,
        "onnxruntime_profile": node_profile(fp32_model, latents, threads),
        "numpy_steps": numpy_breakdown(checkpoint, latents, budget),
    }
