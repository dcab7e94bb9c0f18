"""``gan-sweep``'s measurement: every latent number (and SeFa / random directions) edited, the class shares compared.

- :func:`sweep_latent_numbers`: the report's experiment for every latent
  number, each set to a few values in the same latents, the TV of the class
  shares against the unmodified latents, ranked;
- :func:`sweep_directions`: the same for unit directions walked additively
  (``z + value * d``), the check that SeFa's closed-form directions move the
  classes more than random ones;
- :func:`sweep_heatmap`: everything as one picture (drawn by
  :mod:`ganedge.runtime.base.heatmap`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Sequence

import numpy as np
from PIL import Image, ImageDraw

from ..base.errors import GanRuntimeError
from ..base.heatmap import MARGIN, ShiftRow, TvStrip, render_heatmap
from ..base.pictures import font, text_width
from ..generator.directions import random_directions
from ..base.edit_values import check_values, format_value
from ..generator.latents import perturb_latents
from ..generator.model import GeneratorModel
from .classifier import ClassifierModel
from .shares import class_shares, short_name, total_variation

LATENT_CELL_WIDTH = 8  # 100 latent numbers side by side
DIRECTION_CELL_WIDTH = 24  # directions are few: wider cells, a tick under each


@dataclass(frozen=True)
class SweepResult:
    """How the class shares move under a family of latent edits.

    ``shares[e, v]`` are the class shares of the ``n`` latents after edit ``e``
    (a latent number set to, or a direction walked by, ``values[v]``);
    ``base_shares`` those of the unmodified latents.

    Examples
    --------
    >>> result = SweepResult(("#1", "#2"), (-3.0, 3.0), np.array([0.5, 0.5]),
    ...                      np.array([[[0.5, 0.5], [0.5, 0.5]], [[1.0, 0.0], [0.5, 0.5]]]), ("a", "b"), 2)
    >>> result.tv.tolist(), result.ranking().tolist()
    ([[0.0, 0.0], [0.5, 0.0]], [1, 0])
    """

    labels: tuple[str, ...]  # one per edit: "#71", "dir 1", "random 3"
    values: tuple[float, ...]
    base_shares: np.ndarray  # [classes]
    shares: np.ndarray  # [edits, values, classes]
    class_names: tuple[str, ...]
    n: int

    @property
    def tv(self) -> np.ndarray:
        """Total variation against the unmodified shares, ``[edits, values]``."""
        return total_variation(self.shares, self.base_shares[None, None, :])

    @property
    def strength(self) -> np.ndarray:
        """Each edit's largest TV over the values, ``[edits]``: what the ranking sorts by."""
        return self.tv.max(axis=1)

    def ranking(self) -> np.ndarray:
        """Edit indices, strongest first (ties: lower index first)."""
        return np.argsort(-self.strength, kind="stable")

    def strongest_value(self, edit: int) -> int:
        """Index of the value at which ``edit`` moves the shares most."""
        return int(np.argmax(self.tv[edit]))

    def gained(self, edit: int, value: int) -> tuple[int, float]:
        """The class whose share grows most under ``(edit, value)`` and by how much (a share, 0..1)."""
        change = self.shares[edit, value] - self.base_shares
        best = int(np.argmax(change))
        return best, float(change[best])

    def lost(self, edit: int, value: int) -> tuple[int, float]:
        """The class whose share shrinks most and by how much (a negative share)."""
        change = self.shares[edit, value] - self.base_shares
        worst = int(np.argmin(change))
        return worst, float(change[worst])

    def rows(self) -> list[dict[str, Any]]:
        """One record per ``(edit, value)``, strongest edit first: the full table for CSV or JSON."""
        rank_of = {int(e): r for r, e in enumerate(self.ranking(), start=1)}
        records = []
        for edit in self.ranking():
            for v, value in enumerate(self.values):
                gained, gain = self.gained(int(edit), v)
                lost, loss = self.lost(int(edit), v)
                records.append({
                    "rank": rank_of[int(edit)], "edit": self.labels[edit], "value": value,
                    "tv": round(float(self.tv[edit, v]), 6),
                    "gained": self.class_names[gained], "gain": round(gain, 6),
                    "lost": self.class_names[lost], "loss": round(loss, 6),
                    **{f"share {name}": round(float(s), 6) for name, s in zip(self.class_names, self.shares[edit, v])},
                })
        return records


def latent_class_shares(generator: GeneratorModel, classifier: ClassifierModel, latents: np.ndarray) -> np.ndarray:
    """Class shares of the images of ``latents`` (through their uint8 pixels, as a PNG shows them)."""
    probabilities, _ = classifier.classify_pixels(generator.generate(latents))
    return class_shares(probabilities)


def _sweep(generator: GeneratorModel, classifier: ClassifierModel, latents: np.ndarray, labels: Sequence[str],
           values: tuple[float, ...], edit: Callable[[int], list[np.ndarray]]) -> SweepResult:
    n = len(latents)
    shares = np.empty((len(labels), len(values), len(classifier.class_names)))
    for e in range(len(labels)):
        batches = edit(e)  # one [n, latent] batch per value, run through the models together
        probabilities, _ = classifier.classify_pixels(generator.generate(np.concatenate(batches)))
        shares[e] = [class_shares(probabilities[v * n:(v + 1) * n]) for v in range(len(values))]
    base = latent_class_shares(generator, classifier, latents)
    return SweepResult(tuple(labels), values, base, shares, tuple(classifier.class_names), n)


def sweep_latent_numbers(generator: GeneratorModel, classifier: ClassifierModel, latents: np.ndarray,
                         values: Sequence[float], numbers: Sequence[int] | None = None) -> SweepResult:
    """The report's experiment for every latent number: set it to each value in all ``latents``.

    Parameters
    ----------
    generator, classifier
        The models.
    latents : np.ndarray
        float32 ``[n, latent_dim]``; a few hundred give shares to a few percent.
    values : sequence of float
        What each number is set to, e.g. ``(-3, 3)``.
    numbers : sequence of int, optional
        Latent numbers (from 1) to sweep; default all of them.

    Examples
    --------
    >>> from ganedge.runtime import load_classifier, load_generator
    >>> generator, classifier = load_generator(device="cpu"), load_classifier(device="cpu")
    >>> result = sweep_latent_numbers(generator, classifier, generator.sample_latents(100), (-3, 3))
    >>> result.shares.shape
    (100, 2, 10)
    """
    values = check_values(values)
    numbers = list(range(1, generator.latent_dim + 1)) if numbers is None else [int(n) for n in numbers]
    return _sweep(generator, classifier, latents, [f"#{n}" for n in numbers], values,
                  lambda e: perturb_latents(latents, numbers[e], values))


def sweep_directions(generator: GeneratorModel, classifier: ClassifierModel, latents: np.ndarray,
                     directions: np.ndarray, values: Sequence[float], labels: Sequence[str]) -> SweepResult:
    """Walk every direction (rows of ``directions``) by each value, ``z + value * d``, and measure the shares.

    Examples
    --------
    >>> from ganedge.runtime import load_classifier, load_generator, random_directions
    >>> generator, classifier = load_generator(device="cpu"), load_classifier(device="cpu")
    >>> result = sweep_directions(generator, classifier, generator.sample_latents(100),
    ...                           random_directions(4, 100), (-3, 3), ["random 1", "random 2", "random 3", "random 4"])
    >>> result.tv.shape
    (4, 2)
    """
    values = check_values(values)
    directions = np.asarray(directions, dtype=np.float32)
    if directions.ndim != 2 or directions.shape[1] != generator.latent_dim or len(directions) != len(labels):
        raise GanRuntimeError(f"directions must be [{len(labels)}, {generator.latent_dim}], got {list(directions.shape)}")
    z = np.asarray(latents, dtype=np.float32)
    return _sweep(generator, classifier, z, list(labels), values,
                  lambda e: [z + np.float32(v) * directions[e] for v in values])


RANDOM_DIRECTIONS_SEED = 12345  # the random baseline's directions do not change with the latents' seed


@dataclass(frozen=True)
class Sweep:
    """``gan-sweep``'s whole measurement: every latent number, and optionally SeFa and random directions."""

    latent: SweepResult
    sefa: SweepResult | None = None
    random: SweepResult | None = None

    def families(self) -> list[tuple[str, SweepResult]]:
        """``(family, result)`` for each part measured: ``latent``, ``sefa``, ``random``."""
        parts = (("latent", self.latent), ("sefa", self.sefa), ("random", self.random))
        return [(family, result) for family, result in parts if result is not None]

    def summary(self) -> dict[str, float]:
        """Mean TV per family and, with both direction families, how many times SeFa's beats random's."""
        summary = {f"{family}_mean_tv": round(float(result.tv.mean()), 6) for family, result in self.families()}
        if self.sefa is not None and self.random is not None:
            baseline = max(float(self.random.tv.mean()), 1e-12)
            summary["sefa_over_random"] = round(float(self.sefa.tv.mean()) / baseline, 3)
            summary["sefa_direction_1_over_random"] = round(float(self.sefa.tv[0].mean()) / baseline, 3)
        return summary

    def records(self) -> list[dict[str, Any]]:
        """Every ``(family, edit, value)`` row, strongest edit first within each family: the CSV and JSON table."""
        return [{"family": family, **row} for family, result in self.families() for row in result.rows()]


def sweep_everything(generator: GeneratorModel, classifier: ClassifierModel, latents: np.ndarray,
                     values: Sequence[float], sefa_count: int = 10, random_count: int = 20) -> Sweep:
    """Sweep every latent number, the top ``sefa_count`` SeFa directions and ``random_count`` random ones.

    Examples
    --------
    >>> from ganedge.runtime import load_classifier, load_generator
    >>> generator, classifier = load_generator(device="cpu"), load_classifier(device="cpu")
    >>> sweep = sweep_everything(generator, classifier, generator.sample_latents(100), (-3, 3), 2, 2)
    >>> [family for family, _ in sweep.families()]
    ['latent', 'sefa', 'random']
    """
    latent = sweep_latent_numbers(generator, classifier, latents, values)
    sefa = random = None
    if sefa_count:
        stored = generator.sefa
        if sefa_count > stored.count:
            raise GanRuntimeError(f"--sefa {sefa_count}: this model stores {stored.count} SeFa directions")
        sefa = sweep_directions(generator, classifier, latents, stored.vectors[:sefa_count], values,
                                [f"dir {k}" for k in range(1, sefa_count + 1)])
    if random_count:
        directions = random_directions(random_count, generator.latent_dim, RANDOM_DIRECTIONS_SEED)
        random = sweep_directions(generator, classifier, latents, directions, values,
                                  [f"random {k}" for k in range(1, random_count + 1)])
    return Sweep(latent, sefa, random)


def _strip(result: SweepResult, caption: str, cell_width: int, tick_every: int) -> TvStrip:
    return TvStrip(
        caption=f"{caption}   mean TV {float(result.tv.mean()):.3f}",
        row_labels=[f"= {format_value(value)}" for value in result.values],
        ticks=[label.split()[-1].lstrip("#") for label in result.labels],
        tv=result.tv.T, cell_width=cell_width, tick_every=tick_every,
    )


def sweep_heatmap(latent: SweepResult, sefa: SweepResult | None = None, random: SweepResult | None = None,
                  top: int = 10, title: str = "") -> Image.Image:
    """The sweep as one RGB picture.

    1. Total variation of the class shares for every latent number (columns)
       set to every value (rows), viridis from 0 to the largest TV measured.
    2. With ``sefa`` / ``random``: the same TV strip for SeFa and random unit
       directions walked by the same values, on the same colour scale.
    3. The ``top`` strongest numbers at their strongest value: the change of
       each class's share, red gained, blue lost, in percentage points.

    Examples
    --------
    >>> result = SweepResult(("#1", "#2"), (-3.0, 3.0), np.array([0.5, 0.5]),
    ...                      np.array([[[0.5, 0.5], [0.5, 0.5]], [[1.0, 0.0], [0.5, 0.5]]]), ("a", "b"), 2)
    >>> sweep_heatmap(result, top=1).mode
    'RGB'
    """
    strips = [_strip(latent, f"latent number N set to v (the report's experiment), N = 1..{len(latent.labels)}",
                     LATENT_CELL_WIDTH, 10)]
    if sefa is not None:
        strips.append(_strip(sefa, f"SeFa directions 1..{len(sefa.labels)} walked additively, z + v * d",
                             DIRECTION_CELL_WIDTH, 1))
    if random is not None:
        strips.append(_strip(random, f"random unit directions 1..{len(random.labels)}, z + v * d (the baseline)",
                             DIRECTION_CELL_WIDTH, 1))
    shift_rows = []
    for edit in latent.ranking()[:top]:
        v = latent.strongest_value(int(edit))
        label = f"{latent.labels[edit]} = {format_value(latent.values[v])}  (TV {latent.tv[edit, v]:.2f})"
        shift_rows.append(ShiftRow(label, latent.shares[edit, v] - latent.base_shares))
    measure = ImageDraw.Draw(Image.new("RGB", (1, 1)))
    left = MARGIN + max(text_width(measure, f"#{latent.labels[0][1:]} = {format_value(v)}  (TV 0.00)", font(11))
                        for v in latent.values) + 8
    return render_heatmap(
        title or f"Class-share shift (total variation) over n = {latent.n} latents", strips,
        f"strongest {len(shift_rows)} latent numbers at their strongest value: class-share change "
        "(percentage points; red gained, blue lost)",
        shift_rows, [short_name(name) for name in latent.class_names], left)
