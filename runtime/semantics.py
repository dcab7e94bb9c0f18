"""Latent semantics, measured: class shares per grid row, and the sweep over every latent number.

The report reads meaning into latent numbers by looking at 8 images ("#71 ~
T-shirt"). Here the measuring classifier counts instead: the *class shares* of
a set of images are the fraction predicted as each class (argmax), and how far
an edit moves them is the *total variation distance* between the shares
before and after, ``TV = 1/2 sum |p - q|`` (0: same histogram, 1: disjoint).

- :func:`row_class_shares` is ``gan-run --explain``: the shares of each row of
  a grid (1/8 steps for 8 images; use ``--n 2000`` for numbers that mean
  something).
- :func:`sweep_latent_numbers` is ``gan-sweep``: every latent number set to a
  few values, the TV of each against the unmodified latents, ranked.
- :func:`sweep_directions` does the same for SeFa and random unit directions
  walked additively (``z + value * d``), the check that closed-form
  directions move the classes more than random ones.
- :func:`render_sweep_heatmap` draws it all as one PNG (Pillow + numpy).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Sequence

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from .classifier import ClassifierModel
from .errors import GanRuntimeError
from .generator import GeneratorModel
from .latent import check_values, format_value, perturb_latents

DEFAULT_TOP_CLASSES = 3
CAPTION_TOP_CLASSES = 2  # under a row of 8 images there is room for two "Trouser 62%"
SHORT_CLASS_NAMES = {"T-shirt/top": "T-shirt", "Ankle boot": "Boot"}


def class_shares(probabilities: np.ndarray) -> np.ndarray:
    """The share of images predicted (argmax) as each class; sums to 1.

    Examples
    --------
    >>> class_shares(np.array([[0.9, 0.1], [0.2, 0.8], [0.6, 0.4], [0.7, 0.3]])).tolist()
    [0.75, 0.25]
    """
    probabilities = np.asarray(probabilities)
    if probabilities.ndim != 2 or len(probabilities) == 0:
        raise GanRuntimeError(f"probabilities must be [N, classes] with N >= 1, got shape {list(probabilities.shape)}")
    counts = np.bincount(probabilities.argmax(axis=1), minlength=probabilities.shape[1])
    return counts / len(probabilities)


def total_variation(shares_a: np.ndarray, shares_b: np.ndarray) -> np.ndarray:
    """Total variation distance ``1/2 sum |a - b|`` over the last axis (0 = same, 1 = disjoint).

    Examples
    --------
    >>> float(total_variation(np.array([1.0, 0.0]), np.array([0.25, 0.75])))
    0.75
    """
    return 0.5 * np.abs(np.asarray(shares_a) - np.asarray(shares_b)).sum(axis=-1)


def row_class_shares(classifier: ClassifierModel, rows: np.ndarray) -> np.ndarray:
    """Class shares of each row of uint8 images ``[rows, n, H, W]`` -> float64 ``[rows, classes]``.

    Examples
    --------
    >>> from ganedge.runtime import load_classifier, load_generator
    >>> generator, classifier = load_generator(device="cpu"), load_classifier(device="cpu")
    >>> rows = np.stack([generator.generate(generator.sample_latents(200, seed=s)) for s in (0, 1)])
    >>> row_class_shares(classifier, rows).sum(axis=1).round(6).tolist()
    [1.0, 1.0]
    """
    rows = np.asarray(rows)
    if rows.ndim != 4:
        raise GanRuntimeError(f"rows must be uint8 [rows, n, H, W], got shape {list(rows.shape)}")
    probabilities, _ = classifier.classify_pixels(rows.reshape(-1, *rows.shape[2:]))
    return np.stack([class_shares(p) for p in probabilities.reshape(rows.shape[0], rows.shape[1], -1)])


def short_name(name: str) -> str:
    """A class name short enough for a caption or a heatmap column ("T-shirt/top" -> "T-shirt")."""
    return SHORT_CLASS_NAMES.get(name, name)


def top_classes(shares: np.ndarray, class_names: Sequence[str], top: int = DEFAULT_TOP_CLASSES) -> list[tuple[str, float]]:
    """The ``top`` largest shares as ``(name, share)``, largest first, ties by class id; zero shares left out.

    Examples
    --------
    >>> top_classes(np.array([0.25, 0.75, 0.0]), ["a", "b", "c"])
    [('b', 0.75), ('a', 0.25)]
    """
    order = np.argsort(-np.asarray(shares), kind="stable")[:top]
    return [(class_names[i], float(shares[i])) for i in order if shares[i] > 0]


def format_shares(shares: np.ndarray, class_names: Sequence[str], top: int = DEFAULT_TOP_CLASSES, short: bool = False) -> str:
    """``"Trouser 62.5%, Dress 25.0%"``: the top classes of one row, as printed by ``--explain``.

    Examples
    --------
    >>> format_shares(np.array([0.375, 0.625]), ["Dress", "Trouser"])
    'Trouser 62.5%, Dress 37.5%'
    """
    if short:
        return "  ".join(f"{short_name(name)} {share:.0%}" for name, share in top_classes(shares, class_names, top))
    return ", ".join(f"{name} {share:.1%}" for name, share in top_classes(shares, class_names, top))


def _font(size: int) -> Any:
    try:
        return ImageFont.load_default(size=size)
    except (TypeError, ImportError, OSError):  # Pillow < 10.1 or no FreeType: the fixed bitmap font
        return ImageFont.load_default()


def caption_rows(grid: Image.Image, captions: Sequence[str], cell_height: int, images_per_row: int, cell_width: int,
                 gap: int = 2) -> Image.Image:
    """Insert one line of text under each row of a :func:`~ganedge.runtime.render_grid` picture.

    The grid is cut into its rows (``gap`` + ``cell_height`` each) and laid
    out again with a caption strip below every row, aligned with its images.

    Examples
    --------
    >>> from ganedge.runtime import render_grid
    >>> grid = render_grid([np.zeros((8, 28, 28), np.uint8)] * 2, ["random z", "#71 = -10"])
    >>> captioned = caption_rows(grid, ["Trouser 62%", "Bag 100%"], 84, 8, 84)
    >>> captioned.width == grid.width and captioned.height > grid.height
    True
    """
    font = _font(max(10, cell_height // 6))
    measure = ImageDraw.Draw(Image.new("L", (1, 1)))
    text_height = max(measure.textbbox((0, 0), "Ag%", font=font)[3], 1)
    strip = text_height + 2 * gap + 2
    left = grid.width - images_per_row * (cell_width + gap)
    canvas = Image.new(grid.mode, (grid.width, gap + len(captions) * (cell_height + strip + gap)), 255)
    draw = ImageDraw.Draw(canvas)
    for r, caption in enumerate(captions):
        source_top = gap + r * (cell_height + gap)
        top = gap + r * (cell_height + strip + gap)
        canvas.paste(grid.crop((0, source_top, grid.width, source_top + cell_height)), (0, top))
        draw.text((left, top + cell_height + gap), caption, fill=0, font=font)
    return canvas


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
    [[0.0, 0.0], [0.5, 0.0]], [1, 0]
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
           values: tuple[float, ...], edit: Any) -> SweepResult:
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


# --- the sweep as one picture -------------------------------------------------

# viridis at 0, 1/4, 1/2, 3/4, 1 (matplotlib's values, interpolated linearly): perceptually even, grey-safe
VIRIDIS = np.array([(68, 1, 84), (59, 82, 139), (33, 145, 140), (94, 201, 98), (253, 231, 37)], dtype=np.float64)
GAIN_COLOR = np.array([202, 0, 32], dtype=np.float64)  # red: the class gained
LOSS_COLOR = np.array([5, 113, 176], dtype=np.float64)  # blue: the class lost
TV_CELL = (8, 22)  # width, height of one latent number x value cell
DIRECTION_CELL_WIDTH = 24  # directions are few: wider cells, a tick under each
SHIFT_CELL = (64, 22)
MARGIN = 12


def viridis(values: np.ndarray) -> np.ndarray:
    """Values in [0, 1] -> uint8 RGB ``[..., 3]``.

    Examples
    --------
    >>> viridis(np.array([0.0, 1.0])).tolist()
    [[68, 1, 84], [253, 231, 37]]
    """
    x = np.clip(np.asarray(values, dtype=np.float64), 0, 1) * (len(VIRIDIS) - 1)
    low = np.minimum(np.floor(x).astype(int), len(VIRIDIS) - 2)
    t = (x - low)[..., None]
    return np.round(VIRIDIS[low] * (1 - t) + VIRIDIS[low + 1] * t).astype(np.uint8)


def _diverging(change: float, limit: float) -> tuple[int, int, int]:
    t = min(abs(change) / limit, 1.0) if limit > 0 else 0.0
    end = GAIN_COLOR if change > 0 else LOSS_COLOR
    rgb = np.round(255 * (1 - t) + end * t).astype(int)
    return int(rgb[0]), int(rgb[1]), int(rgb[2])


def _text_width(draw: ImageDraw.ImageDraw, text: str, font: Any) -> int:
    return int(math.ceil(draw.textbbox((0, 0), text, font=font)[2]))


def _tv_strip(draw: ImageDraw.ImageDraw, result: SweepResult, x: int, y: int, scale: float, font: Any,
              width: int, tick_every: int, tick_labels: Sequence[str]) -> int:
    """Cells ``values x edits`` (``width`` px wide) coloured by TV; returns the y below the tick labels."""
    height = TV_CELL[1]
    tv = result.tv.T  # [values, edits]
    colors = viridis(tv / scale)
    for v in range(tv.shape[0]):
        for e in range(tv.shape[1]):
            left, top = x + e * width, y + v * height
            draw.rectangle((left, top, left + width - 1, top + height - 1), fill=tuple(int(c) for c in colors[v, e]))
    for v, value in enumerate(result.values):
        label = f"= {format_value(value)}"
        draw.text((x - 6 - _text_width(draw, label, font), y + v * height + 4), label, fill=0, font=font)
    bottom = y + tv.shape[0] * height
    for e in range(tv.shape[1]):
        if e == 0 or (e + 1) % tick_every == 0:
            centre = x + e * width + width // 2
            draw.line((centre, bottom, centre, bottom + 3), fill=0)
            label = tick_labels[e]
            draw.text((centre - _text_width(draw, label, font) // 2, bottom + 4), label, fill=0, font=font)
    return bottom + 22


def render_sweep_heatmap(latent: SweepResult, sefa: SweepResult | None = None, random: SweepResult | None = None,
                         top: int = 10, title: str = "") -> Image.Image:
    """The sweep as one RGB picture.

    1. Total variation of the class shares for every latent number (columns)
       set to every value (rows), viridis from 0 to the largest TV measured.
    2. The ``top`` strongest numbers at their strongest value: the change of
       each class's share, red gained, blue lost, in percentage points.
    3. With ``sefa`` / ``random``: the same TV strip for SeFa and random unit
       directions walked by the same values, on the same colour scale.

    Examples
    --------
    >>> result = SweepResult(("#1", "#2"), (-3.0, 3.0), np.array([0.5, 0.5]),
    ...                      np.array([[[0.5, 0.5], [0.5, 0.5]], [[1.0, 0.0], [0.5, 0.5]]]), ("a", "b"), 2)
    >>> render_sweep_heatmap(result, top=1).mode
    'RGB'
    """
    font, small = _font(13), _font(11)
    parts = [r for r in (latent, sefa, random) if r is not None]
    scale = max(max(float(r.tv.max()) for r in parts), 1e-9)
    measure = ImageDraw.Draw(Image.new("RGB", (1, 1)))
    left = MARGIN + max(_text_width(measure, f"#{latent.labels[0][1:]} = {format_value(v)}  (TV 0.00)", small)
                        for v in latent.values) + 8
    sections = [(latent, f"latent number N set to v (the report's experiment), N = 1..{len(latent.labels)}", TV_CELL[0], 10)]
    if sefa is not None:
        sections.append((sefa, f"SeFa directions 1..{len(sefa.labels)} walked additively, z + v * d",
                         DIRECTION_CELL_WIDTH, 1))
    if random is not None:
        sections.append((random, f"random unit directions 1..{len(random.labels)}, z + v * d (the baseline)",
                         DIRECTION_CELL_WIDTH, 1))
    strips_width = max(len(r.labels) * cell for r, _, cell, _ in sections)
    shift_width = len(latent.class_names) * SHIFT_CELL[0]
    width = left + max(strips_width, shift_width) + 110
    ranked = latent.ranking()[:top]
    strip_height = lambda r: 26 + len(r.values) * TV_CELL[1] + 22 + 10  # noqa: E731  (title, cells, ticks, space)
    height = (MARGIN + 24 + sum(strip_height(r) for r in parts) + 30 + 20 + len(ranked) * SHIFT_CELL[1] + MARGIN)
    canvas = Image.new("RGB", (width, height), (255, 255, 255))
    draw = ImageDraw.Draw(canvas)
    y = MARGIN
    draw.text((MARGIN, y), title or f"Class-share shift (total variation) over n = {latent.n} latents", fill=0, font=font)
    y += 24
    for result, caption, cell, tick_every in sections:
        mean = float(result.tv.mean())
        draw.text((left, y), f"{caption}   mean TV {mean:.3f}", fill=0, font=small)
        ticks = [label.split()[-1].lstrip("#") for label in result.labels]
        y = _tv_strip(draw, result, left, y + 18, scale, small, cell, tick_every, ticks) + 10
    # colour bar, beside the first strip
    bar_x, bar_y = left + strips_width + 40, MARGIN + 42
    bar_h = max(len(latent.values) * TV_CELL[1], 40)
    for i in range(bar_h):
        color = tuple(int(c) for c in viridis(np.array(1 - i / max(bar_h - 1, 1))))
        draw.line((bar_x, bar_y + i, bar_x + 12, bar_y + i), fill=color)
    draw.text((bar_x + 16, bar_y - 4), f"TV {scale:.2f}", fill=0, font=small)
    draw.text((bar_x + 16, bar_y + bar_h - 10), "0", fill=0, font=small)
    # class shifts of the strongest numbers
    draw.text((MARGIN, y), f"strongest {len(ranked)} latent numbers at their strongest value: class-share change "
                           "(percentage points; red gained, blue lost)", fill=0, font=small)
    y += 20
    for c, name in enumerate(latent.class_names):
        label = short_name(name)
        centre = left + c * SHIFT_CELL[0] + SHIFT_CELL[0] // 2
        draw.text((centre - _text_width(draw, label, small) // 2, y), label, fill=0, font=small)
    y += 18
    changes = [latent.shares[e, latent.strongest_value(int(e))] - latent.base_shares for e in ranked]
    limit = max((float(np.abs(c).max()) for c in changes), default=0.0)
    for row, (edit, change) in enumerate(zip(ranked, changes)):
        top_y = y + row * SHIFT_CELL[1]
        v = latent.strongest_value(int(edit))
        label = f"{latent.labels[edit]} = {format_value(latent.values[v])}  (TV {latent.tv[edit, v]:.2f})"
        draw.text((left - 6 - _text_width(draw, label, small), top_y + 4), label, fill=0, font=small)
        for c, delta in enumerate(change):
            cell_x = left + c * SHIFT_CELL[0]
            fill = _diverging(float(delta), limit)
            draw.rectangle((cell_x, top_y, cell_x + SHIFT_CELL[0] - 2, top_y + SHIFT_CELL[1] - 2), fill=fill)
            text = f"{delta * 100:+.0f}" if abs(delta) >= 0.005 else "0"
            ink = (255, 255, 255) if limit > 0 and abs(delta) / limit > 0.6 else (0, 0, 0)
            draw.text((cell_x + (SHIFT_CELL[0] - _text_width(draw, text, small)) // 2, top_y + 4), text, fill=ink, font=small)
    return canvas


def format_explain_table(labels: Sequence[str], shares: np.ndarray, class_names: Sequence[str], n: int,
                         top: int = DEFAULT_TOP_CLASSES) -> str:
    """``gan-run --explain``'s table: one line per grid row, its label and its top classes with shares.

    Examples
    --------
    >>> print(format_explain_table(["random z"], np.array([[0.25, 0.75]]), ["Bag", "Trouser"], 8))
    class shares per row (8 images each):
      random z  Trouser 75.0%, Bag 25.0%
    """
    width = max(len(label) for label in labels)
    lines = [f"class shares per row ({n:,} images each):"]
    lines += [f"  {label.ljust(width)}  {format_shares(row, class_names, top)}" for label, row in zip(labels, shares)]
    return "\n".join(lines)
