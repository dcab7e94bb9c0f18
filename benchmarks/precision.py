"""fp32 vs fp16 vs int8 exports: what each buys in speed and costs in fidelity.

Speed is measured through the runtime's public API (the raw session when the
runtime is missing), interleaved with eager PyTorch so each export's speed-up
is a ratio from the same moment. Fidelity is the PSNR of each export against
fp32 PyTorch on the same latents, the exporter's own yardstick.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any, Mapping, Sequence

from .defaults import ENGINE_TORCH, LATENT_SEED, PSNR_SAMPLES, Budget
from .engines import Engine, fixed_latents, runtime_engine, session_engine
from .latency import timing_row
from .timing import time_interleaved


def psnr_vs(reference: Any, candidate: Any) -> float | None:
    """PSNR in dB for images in [-1, 1]; ``None`` when identical (JSON has no infinity)."""
    from ganedge.export.validate import psnr_db

    value = psnr_db(reference, candidate.reshape(reference.shape))
    return None if math.isinf(value) else value


def precision_engines(exports: Mapping[str, Path], threads: int) -> tuple[dict[str, Engine], str]:
    """One engine per export, through the runtime API if it can be built, and which path was used."""
    try:
        return {precision: runtime_engine(path, threads) for precision, path in exports.items()}, "ganedge runtime API"
    except (ImportError, AttributeError):
        return {precision: session_engine(path, threads) for precision, path in exports.items()}, \
            "raw InferenceSession.run (the runtime API is not available)"


def measure_precisions(
    torch_engine: Engine,
    exports: Mapping[str, Path],
    threads: int,
    batch_sizes: Sequence[int],
    budget: Budget,
    latent_dim: int,
    sgemm_gflops: float | None,
) -> dict[str, Any]:
    """Speed (per batch size, vs eager PyTorch) and PSNR vs fp32 PyTorch of every export."""
    engines, via = precision_engines(exports, threads)
    psnr_latents = fixed_latents(PSNR_SAMPLES, latent_dim, LATENT_SEED + 1)
    reference = torch_engine(psnr_latents)
    results: dict[str, Any] = {
        precision: {"model": str(exports[precision]), "psnr_db_vs_fp32_torch": psnr_vs(reference, engine(psnr_latents)),
                    "batches": {}}
        for precision, engine in engines.items()
    }
    torch_rows: dict[str, Any] = {}
    for batch in batch_sizes:
        latents = fixed_latents(batch, latent_dim, LATENT_SEED)
        calls = {ENGINE_TORCH: lambda: torch_engine(latents)}
        calls.update({precision: (lambda engine=engine: engine(latents)) for precision, engine in engines.items()})
        timings = time_interleaved(calls, budget)
        baseline = timings[ENGINE_TORCH]
        torch_rows[str(batch)] = timing_row(baseline, batch, baseline, sgemm_gflops)
        for precision in engines:
            results[precision]["batches"][str(batch)] = timing_row(timings[precision], batch, baseline, sgemm_gflops)
    return {"via": via, "psnr_samples": PSNR_SAMPLES, "exports": results, "pytorch_eager": torch_rows}
