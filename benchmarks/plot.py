"""``latency.png``: median latency against batch size, log-log, one line per engine.

Log-log because the batch sizes span four orders of magnitude and so do the
latencies; on such axes a slope of 1 is "time proportional to work", and the
flat start shows each engine's fixed per-call overhead. The reduced-precision
exports are drawn dashed beside the four fp32 engines.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .defaults import ENGINE_LABELS, ENGINES


def _series(batches: dict[str, Any]) -> tuple[list[int], list[float]]:
    points = sorted((int(batch), row["median_s"] * 1e3) for batch, row in batches.items())
    return [p[0] for p in points], [p[1] for p in points]


def plot_latency(results: dict[str, Any], path: Path) -> Path | None:
    """Draw the latency figure from a results dict; ``None`` when there is no latency section to draw.

    Examples
    --------
    >>> plot_latency(results, Path("benchmarks/results/latency.png"))   # doctest: +SKIP
    PosixPath('benchmarks/results/latency.png')
    """
    latency = results["sections"].get("latency", {})
    if "engines" not in latency:
        return None
    import matplotlib
    import matplotlib.ticker

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(figsize=(8, 5.5), dpi=120)
    for name in ENGINES:
        engine = latency["engines"].get(name, {})
        if "batches" in engine:
            axes.plot(*_series(engine["batches"]), marker="o", linewidth=2, label=ENGINE_LABELS[name])
    precision = results["sections"].get("precision", {})
    for name in ("fp16", "int8"):
        export = precision.get("exports", {}).get(name)
        if export and export.get("batches"):
            axes.plot(*_series(export["batches"]), marker="s", linestyle="--", linewidth=1.5,
                      label=f"{name} export ({precision['via'].split(' (')[0]})")
    axes.set_xscale("log")
    axes.set_yscale("log")
    batch_sizes = latency["batch_sizes"]
    axes.set_xticks(batch_sizes, [f"{b:,}" for b in batch_sizes])
    axes.xaxis.set_minor_locator(matplotlib.ticker.NullLocator())
    axes.set_xlabel("batch size (images per call)")
    axes.set_ylabel("median latency per call (ms)")
    machine = results["machine"]
    mode = " (--quick: smoke run, not for quoting)" if results.get("quick") else ""
    axes.set_title(f"ganedge Generator latency{mode}\n{machine['cpu']}, {machine['threads']} threads",
                   fontsize=10)
    axes.grid(True, which="both", alpha=0.3)
    axes.legend(fontsize=8)
    figure.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path)
    plt.close(figure)
    return path
