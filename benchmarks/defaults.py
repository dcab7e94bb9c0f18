"""Every number the benchmarks run with or are judged by, named once.

Budgets come in two sets: ``FULL`` for the numbers the README quotes, ``QUICK``
for the CI smoke run, which only proves the benchmark runs and writes its
results (a 2-core CI machine must finish it in well under 90 s).
"""

from __future__ import annotations

from dataclasses import dataclass

SCHEMA = "ganedge-benchmarks/1"

BATCH_SIZES = (1, 8, 64, 1024, 16384)
LATENT_SEED = 2024
SECTIONS = ("sgemm", "latency", "precision", "throughput", "cold-start", "training", "cuda")

# CPU engines, in the order tables and plots show them. The runtime is timed as users call it by
# default (generate() -> uint8 pixels) and with float output; each is compared with eager PyTorch
# doing the same job (PyTorch's float images, or those plus the runtime's pixel mapping).
ENGINE_TORCH = "pytorch-eager"
ENGINE_TORCH_PIXELS = "pytorch-eager-pixels"
ENGINE_RUNTIME = "ganedge-runtime"
ENGINE_RUNTIME_FLOAT = "ganedge-runtime-float"
ENGINE_SESSION = "ort-session-run"
ENGINE_NUMPY = "numpy-blas"
ENGINES = (ENGINE_TORCH, ENGINE_TORCH_PIXELS, ENGINE_RUNTIME, ENGINE_RUNTIME_FLOAT, ENGINE_SESSION, ENGINE_NUMPY)
PIXEL_ENGINES = (ENGINE_TORCH_PIXELS, ENGINE_RUNTIME)  # their output is uint8 pixels; their baseline ENGINE_TORCH_PIXELS
ENGINE_LABELS = {
    ENGINE_TORCH: "eager PyTorch",
    ENGINE_TORCH_PIXELS: "eager PyTorch + pixel mapping",
    ENGINE_RUNTIME: "ganedge runtime API (default: uint8)",
    ENGINE_RUNTIME_FLOAT: "ganedge runtime API (float)",
    ENGINE_SESSION: "raw InferenceSession.run",
    ENGINE_NUMPY: "NumPy (BLAS matmuls)",
}
PRECISIONS = ("fp32", "fp16", "int8")

SGEMM_SIZE = 4096
PSNR_SAMPLES = 1024  # latents compared against fp32 PyTorch for each export
COLD_START_IMAGES = 8  # what `gan-run --model X --out Y` writes by default
THROUGHPUT_CHUNKS = (512, 1024, 2048, 4096)  # rows per run in the chunking experiment
TRAINING_BATCH_SIZE = 64


@dataclass(frozen=True)
class Budget:
    """How long each measurement runs.

    ``min_seconds`` / ``min_calls``: a timing stops once *either* is reached
    (the issue's ">= 1 s or >= 200 calls"), spread over ``rounds`` interleaved
    rounds so that a noisy neighbour slows every engine alike, not one of them.
    """

    min_seconds: float
    min_calls: int
    rounds: int
    warmup_calls: int
    cold_start_runs: int
    training_steps: int | None  # None: one whole epoch
    throughput_batch: int
    sgemm_repeats: int


FULL = Budget(min_seconds=1.0, min_calls=200, rounds=5, warmup_calls=5, cold_start_runs=7,
              training_steps=None, throughput_batch=16384, sgemm_repeats=5)
QUICK = Budget(min_seconds=0.03, min_calls=5, rounds=1, warmup_calls=1, cold_start_runs=1,
               training_steps=20, throughput_batch=2048, sgemm_repeats=1)
QUICK_SGEMM_SIZE = 1024
QUICK_TRAIN_STEPS = 30  # steps of the throwaway run whose weights a --quick benchmark times

# A fresh run's length when no --run is given: weights from a short run are fine for timing.
BENCH_TRAIN_STEPS = 200

# Targets of the benchmark issues (ratios measured in the same run).
TARGET_BATCH1_US = 10.0  # generate() on one latent, default uint8 output, median
TARGET_BATCH1_PIXELS_SPEEDUP = 4.0  # that call vs eager PyTorch plus the same pixel mapping
TARGET_BATCH1_SPEEDUP = 3.0  # runtime API (float) vs eager PyTorch at batch 1 (first round)
TARGET_WRAPPER_OVERHEAD = 0.15  # runtime API (float) within 15% of raw session.run at batch 1
TARGET_BIG_SPEEDUP_FP32 = 1.5  # batch 16384, fp32, vs eager PyTorch
TARGET_BIG_SPEEDUP_INT8 = 2.5  # batch 16384, int8 export, vs eager PyTorch
TARGET_SGEMM_SHARE = 0.50  # batch 16384 fp32 throughput as a share of SGEMM
TARGET_PIXELS_VS_FLOAT = 1.10  # batch 16384: generate() (uint8) within 10% of generate(output="float")
TARGET_PIXELS_SGEMM_SHARE = 0.65  # batch 16384: generate() (uint8) throughput as a share of SGEMM
TARGET_COLD_START_S = 0.15
TARGET_COLD_START_SPEEDUP = 10.0
TARGET_PEAK_RSS_MB = 64.0
TARGET_RSS_SHARE = 1 / 8
TARGET_EPOCH_S = 1.5  # issue 12, part 5 (stretch); round one asked for 2 s
TARGET_EPOCH_SPEEDUP = 4.0
