"""The issue's targets, each judged met or MISSED from ratios measured in this run.

A target whose numbers were not measured (section not selected, skipped,
engine missing) says so instead of passing or failing. The judgement is data
in the results file, never an assertion: no benchmark fails a build.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

from . import defaults as d

BIG_BATCH = str(max(d.BATCH_SIZES))


def _get(results: dict[str, Any], *path: str) -> Any:
    node: Any = results
    for key in path:
        if not isinstance(node, dict) or key not in node:
            return None
        node = node[key]
    return node


def _latency(results: dict[str, Any], engine: str, batch: str, field: str) -> float | None:
    return _get(results, "sections", "latency", "engines", engine, "batches", batch, field)


def _overhead(results: dict[str, Any]) -> float | None:
    api = _latency(results, d.ENGINE_RUNTIME_FLOAT, "1", "median_s")
    raw = _latency(results, d.ENGINE_SESSION, "1", "median_s")
    return None if api is None or raw is None else api / raw - 1.0


def _microseconds(results: dict[str, Any]) -> float | None:
    seconds = _latency(results, d.ENGINE_RUNTIME, "1", "median_s")
    return None if seconds is None else seconds * 1e6


def _pixels_over_float(results: dict[str, Any]) -> float | None:
    pixels = _latency(results, d.ENGINE_RUNTIME, BIG_BATCH, "median_s")
    floats = _latency(results, d.ENGINE_RUNTIME_FLOAT, BIG_BATCH, "median_s")
    return None if pixels is None or floats is None else pixels / floats


def _rss_ratio(results: dict[str, Any]) -> float | None:
    return _get(results, "sections", "cold-start", "rss_ratio")


@dataclass(frozen=True)
class Target:
    """One line of the issue's targets: how to read the measured value and what it must reach."""

    id: str
    section: str
    description: str
    read: Callable[[dict[str, Any]], float | None]
    comparison: str  # ">=" or "<="
    threshold: float
    fmt: str
    stated_before: str = "-"  # the figure the issue quotes, for a target the previous results file did not have


TARGETS = (
    Target("batch1-pixels-us", "latency", f"batch 1: generate() (default uint8) <= {d.TARGET_BATCH1_US:g} us median",
           _microseconds, "<=", d.TARGET_BATCH1_US, "{:.1f} us", "30 us (issue 12)"),
    Target("batch1-pixels-speedup", "latency",
           f"batch 1: generate() (uint8) >= {d.TARGET_BATCH1_PIXELS_SPEEDUP:g}x eager PyTorch + the same pixel mapping",
           lambda r: _latency(r, d.ENGINE_RUNTIME, "1", "speedup_vs_torch"), ">=", d.TARGET_BATCH1_PIXELS_SPEEDUP,
           "{:.2f}x"),
    Target("batch1-speedup", "latency", f"batch 1: runtime API (float) >= {d.TARGET_BATCH1_SPEEDUP:g}x eager PyTorch",
           lambda r: _latency(r, d.ENGINE_RUNTIME_FLOAT, "1", "speedup_vs_torch"), ">=", d.TARGET_BATCH1_SPEEDUP,
           "{:.2f}x"),
    Target("batch1-wrapper-overhead", "latency",
           f"batch 1: runtime API (float) within {d.TARGET_WRAPPER_OVERHEAD:.0%} of raw session.run",
           _overhead, "<=", d.TARGET_WRAPPER_OVERHEAD, "{:+.1%}"),
    Target("big-batch-pixels-vs-float", "latency",
           f"batch {BIG_BATCH}: generate() (uint8) within {d.TARGET_PIXELS_VS_FLOAT - 1:.0%} of generate(output='float')",
           _pixels_over_float, "<=", d.TARGET_PIXELS_VS_FLOAT, "{:.2f}x the float time",
           "1.38x (41.7 vs 30.2 ms, issue 12)"),
    Target("big-batch-pixels-sgemm-share", "latency",
           f"batch {BIG_BATCH}: generate() (uint8) throughput >= {d.TARGET_PIXELS_SGEMM_SHARE:.0%} of SGEMM",
           lambda r: _latency(r, d.ENGINE_RUNTIME, BIG_BATCH, "sgemm_share"), ">=", d.TARGET_PIXELS_SGEMM_SHARE,
           "{:.0%}", "44% (issue 12)"),
    Target("big-batch-fp32-speedup", "latency",
           f"batch {BIG_BATCH}: runtime API (fp32) >= {d.TARGET_BIG_SPEEDUP_FP32:g}x eager PyTorch",
           lambda r: _latency(r, d.ENGINE_RUNTIME_FLOAT, BIG_BATCH, "speedup_vs_torch"), ">=", d.TARGET_BIG_SPEEDUP_FP32,
           "{:.2f}x"),
    Target("big-batch-int8-speedup", "precision",
           f"batch {BIG_BATCH}: int8 export >= {d.TARGET_BIG_SPEEDUP_INT8:g}x eager PyTorch",
           lambda r: _get(r, "sections", "precision", "exports", "int8", "batches", BIG_BATCH, "speedup_vs_torch"),
           ">=", d.TARGET_BIG_SPEEDUP_INT8, "{:.2f}x"),
    Target("big-batch-sgemm-share", "latency",
           f"batch {BIG_BATCH}: runtime API fp32 throughput >= {d.TARGET_SGEMM_SHARE:.0%} of SGEMM",
           lambda r: _latency(r, d.ENGINE_RUNTIME_FLOAT, BIG_BATCH, "sgemm_share"), ">=", d.TARGET_SGEMM_SHARE, "{:.0%}"),
    Target("cold-start-time", "cold-start", f"gan-run cold start to PNG <= {d.TARGET_COLD_START_S:g} s (median)",
           lambda r: _get(r, "sections", "cold-start", "gan-run", "median_wall_s"), "<=", d.TARGET_COLD_START_S,
           "{:.3f} s"),
    Target("cold-start-speedup", "cold-start", f"gan-run >= {d.TARGET_COLD_START_SPEEDUP:g}x faster than the PyTorch script",
           lambda r: _get(r, "sections", "cold-start", "speedup"), ">=", d.TARGET_COLD_START_SPEEDUP, "{:.1f}x"),
    Target("cold-start-rss", "cold-start", f"gan-run peak RSS <= {d.TARGET_PEAK_RSS_MB:g} MB",
           lambda r: _get(r, "sections", "cold-start", "gan-run", "median_peak_rss_mb"), "<=", d.TARGET_PEAK_RSS_MB,
           "{:.0f} MB"),
    Target("cold-start-rss-ratio", "cold-start", "gan-run peak RSS <= 1/8 of the PyTorch script's",
           _rss_ratio, "<=", d.TARGET_RSS_SHARE, "1/{:.1f}"),
    Target("epoch-time", "training", f"one training epoch (60,000 images, batch 64) <= {d.TARGET_EPOCH_S:g} s",
           lambda r: _get(r, "sections", "training", "ganedge", "epoch_s"), "<=", d.TARGET_EPOCH_S, "{:.2f} s"),
    Target("epoch-speedup", "training",
           f"training epoch >= {d.TARGET_EPOCH_SPEEDUP:g}x faster than the textbook DataLoader loop",
           lambda r: _get(r, "sections", "training", "speedup"), ">=", d.TARGET_EPOCH_SPEEDUP, "{:.1f}x"),
)


def _display(fmt: str, value: float) -> str:
    if fmt == "1/{:.1f}":  # a share shown as 1/k reads better than 0.11
        return fmt.format(1 / value) if value > 0 else "0"
    return fmt.format(value)


def evaluate_targets(results: dict[str, Any], before: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    """One entry per target: measured value, threshold, ``met`` / ``MISSED`` / ``not measured``, and ``before``.

    ``before`` is the previous results file: each target also shows what it
    read there (the figure before this round's changes), or ``-``.

    Examples
    --------
    >>> evaluate_targets({"sections": {}})[0]["status"]
    'not measured'
    """
    earlier = {t["id"]: t.get("shown", "-") for t in (before or {}).get("targets", [])}
    judged = []
    for target in TARGETS:
        value = target.read(results)
        if value is None:
            status, shown = "not measured", "-"
        else:
            met = value >= target.threshold if target.comparison == ">=" else value <= target.threshold
            status, shown = ("met" if met else "MISSED"), _display(target.fmt, value)
        judged.append({"id": target.id, "section": target.section, "target": target.description, "measured": value,
                       "shown": shown, "before": earlier.get(target.id, target.stated_before), "threshold": target.threshold,
                       "comparison": target.comparison,
                       "status": status, "background_cores": results.get("background_cores", {}).get(target.section)})
    return judged
