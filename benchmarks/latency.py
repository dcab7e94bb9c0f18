"""Latency and throughput of the CPU engines at every batch size, as ratios to eager PyTorch.

Every engine gets the same latents at a batch size, and its output is checked
against eager PyTorch's (max absolute difference) so a fast engine that does
a different job would show.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Mapping, Sequence

import numpy as np

from .defaults import ENGINE_LABELS, ENGINE_RUNTIME, ENGINE_TORCH, ENGINE_TORCH_PIXELS, ENGINES, LATENT_SEED, PIXEL_ENGINES, Budget
from .engines import Engine, fixed_latents
from .sgemm import generator_flops
from .timing import Timing, time_interleaved


def timing_row(timing: Timing, batch: int, baseline: Timing | None, sgemm_gflops: float | None) -> dict[str, Any]:
    """One table cell: latency, images/s, speed-up over the baseline and share of the SGEMM rate.

    Examples
    --------
    >>> row = timing_row(Timing(10, 0.002, 0.003, 0.002, 0.02), 1024, Timing(10, 0.004, 0.005, 0.004, 0.04), 200.0)
    >>> row["speedup_vs_torch"], round(row["sgemm_share"], 2)
    (2.0, 0.58)
    """
    gflops = generator_flops(batch) / timing.median_s / 1e9
    row = {
        **timing.to_dict(),
        "images_per_s": batch / timing.median_s,
        "gflops": gflops,
        "speedup_vs_torch": baseline.median_s / timing.median_s if baseline is not None else None,
    }
    if sgemm_gflops:
        row["sgemm_share"] = gflops / sgemm_gflops
    return row


def profile_calls(engine: Engine, latents: np.ndarray, calls: int, top: int = 8) -> list[dict[str, Any]]:
    """cProfile of ``calls`` calls: the functions with the most own time, in microseconds per call.

    cProfile's hooks inflate Python-level time, so the figures rank where a
    wrapper's overhead sits rather than measure it; the plain timings above
    measure it.
    """
    import cProfile
    import pstats

    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(calls):
        engine(latents)
    profiler.disable()
    stats = pstats.Stats(profiler).stats  # type: ignore[attr-defined]
    rows = [{"function": f"{Path(file).name}:{line}({name})" if file != "~" else name,
             "own_us_per_call": total / calls * 1e6, "calls_per_call": count / calls}
            for (file, line, name), (_, count, total, _, _) in stats.items()]
    return sorted(rows, key=lambda row: -row["own_us_per_call"])[:top]


def measure_latency(
    engines: Mapping[str, Engine],
    batch_sizes: Sequence[int],
    budget: Budget,
    latent_dim: int,
    sgemm_gflops: float | None,
) -> dict[str, Any]:
    """Time every engine at every batch size (interleaved) and summarise per engine and batch.

    Examples
    --------
    >>> section = measure_latency(engines, (1, 8), QUICK, 100, None)   # doctest: +SKIP
    >>> section["engines"]["pytorch-eager"]["batches"]["8"]["median_s"] > 0
    True
    """
    results: dict[str, Any] = {
        name: {"label": ENGINE_LABELS.get(name, name), "batches": {}} for name in ENGINES if name in engines
    }
    for batch in batch_sizes:
        latents = fixed_latents(batch, latent_dim, LATENT_SEED)
        reference = engines[ENGINE_TORCH](latents) if ENGINE_TORCH in engines else None
        calls = {name: (lambda engine=engine: engine(latents)) for name, engine in engines.items()}
        timings = time_interleaved(calls, budget)
        for name, timing in timings.items():
            pixels = name in PIXEL_ENGINES  # compared with PyTorch doing the same job: images, then pixels
            row = timing_row(timing, batch, timings.get(ENGINE_TORCH_PIXELS if pixels else ENGINE_TORCH), sgemm_gflops)
            if reference is not None:
                produced = np.asarray(engines[name](latents))
                if pixels:
                    wanted = engines[ENGINE_TORCH_PIXELS](latents).astype(np.int16)
                    row["max_grey_levels_vs_torch"] = float(np.max(np.abs(produced.astype(np.int16) - wanted)))
                else:
                    row["max_abs_diff_vs_torch"] = float(np.max(np.abs(produced.reshape(reference.shape) - reference)))
            results[name]["batches"][str(batch)] = row
    section: dict[str, Any] = {"batch_sizes": list(batch_sizes), "engines": results}
    if ENGINE_RUNTIME in engines:
        section["runtime_batch1_profile"] = profile_calls(engines[ENGINE_RUNTIME], fixed_latents(1, latent_dim, LATENT_SEED),
                                                          budget.min_calls * 20)
    return section
