"""Pictures of a run: loss curves (the report's first figure) and sample grids.

Grids are drawn by the runtime's renderer, so training and ``gan-run`` show
images the same way.
"""

from __future__ import annotations

from pathlib import Path
from typing import Sequence

import numpy as np

from ganedge.runtime.base.files import atomic_write
from ganedge.runtime.base.pictures import render_grid, save_png
from ganedge.runtime.base.pixels import to_uint8

from .run_folder import LossRow, QualityPoint

SMOOTHING_WINDOW = 100  # steps; raw per-step GAN losses are too noisy to read


def save_sample_grid(images: np.ndarray, path: Path, label: str, scale: int = 3) -> None:
    """Float images ``[n, 1, 28, 28]`` in [-1, 1] -> one labelled row saved as PNG."""
    save_png(render_grid([to_uint8(images)], [label], scale=scale), path)


def save_progress_grid(rows: Sequence[np.ndarray], labels: Sequence[str], path: Path, scale: int = 2) -> None:
    """One row per epoch (uint8 ``[n, 28, 28]`` each): training progress at a glance."""
    save_png(render_grid(list(rows), list(labels), scale=scale), path)


def _running_mean(values: np.ndarray, window: int) -> np.ndarray:
    if len(values) < window:
        window = max(1, len(values))
    kernel = np.ones(window) / window
    return np.convolve(values, kernel, mode="valid")


def plot_losses(rows: Sequence[LossRow], path: Path, quality: Sequence[QualityPoint] = (),
                best_epoch: int | None = None) -> None:
    """Discriminator and generator loss per step, raw (faint) and smoothed, with epoch boundaries.

    With ``quality`` points, a second panel beside the losses shows
    classifier-FD over the same steps; ``best_epoch`` rings the epoch
    ``--keep-best`` kept.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    steps = np.array([r[0] for r in rows])
    epochs = np.array([r[1] for r in rows])
    if quality:
        fig, (ax, quality_ax) = plt.subplots(1, 2, figsize=(14, 4.5), dpi=110, gridspec_kw={"width_ratios": [2, 1]})
        quality_ax.plot([q.step for q in quality], [q.frechet_distance for q in quality], "o-", color="tab:green")
        previous = None
        for index, point in enumerate(quality):
            if point.classes_present != previous or index == len(quality) - 1:  # label changes only, not a smear
                quality_ax.annotate(f"{point.classes_present}/10", (point.step, point.frechet_distance),
                                    textcoords="offset points", xytext=(0, 6), ha="center", fontsize=7)
            previous = point.classes_present
        best = next((point for point in quality if point.epoch == best_epoch), None)
        if best is not None:
            quality_ax.plot([best.step], [best.frechet_distance], "o", markersize=12, markerfacecolor="none",
                            markeredgecolor="tab:red", label=f"kept as best.pt (epoch {best.epoch})")
            quality_ax.legend(loc="upper right")
        quality_ax.set_xlabel("step (labels: classes >= 2% where it changes)")
        quality_ax.set_ylabel("classifier-FD (5,000 images vs test split)")
        quality_ax.set_title("sample quality (lower is better)")
    else:
        fig, ax = plt.subplots(figsize=(9, 4.5), dpi=110)
    for column, name, color in ((2, "discriminator", "tab:blue"), (3, "generator", "tab:orange")):
        values = np.array([r[column] for r in rows])
        ax.plot(steps, values, color=color, alpha=0.15, linewidth=0.6)
        smooth = _running_mean(values, SMOOTHING_WINDOW)
        ax.plot(steps[len(steps) - len(smooth):], smooth, color=color, label=f"{name} (mean of {SMOOTHING_WINDOW} steps)")
    for boundary in steps[1:][np.diff(epochs) > 0]:
        ax.axvline(boundary, color="0.85", linewidth=0.6, zorder=0)
    ax.set_xlabel("step (grey lines: epoch boundaries)")
    ax.set_ylabel("loss (BCE with logits)")
    ax.set_title("GAN losses on FashionMNIST")
    ax.legend(loc="upper right")
    fig.tight_layout()
    try:
        atomic_write(path, lambda tmp_name: fig.savefig(tmp_name, format="png"), "loss plot")
    finally:
        plt.close(fig)
