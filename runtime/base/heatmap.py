"""The sweep heatmap: strips of total-variation cells and a panel of class-share changes, as one RGB picture.

Drawing only: it takes plain labels and arrays (``gan-sweep`` builds them
from its measurements in :mod:`ganedge.runtime.measure.sweep`), so the
measuring wing decides what to show and this module how it looks.
Colours: viridis for TV (perceptually even, readable in greyscale), red for
a class gained and blue for a class lost.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np
from PIL import Image, ImageDraw

from .pictures import font, text_width

# viridis at 0, 1/4, 1/2, 3/4, 1 (matplotlib's values, interpolated linearly)
VIRIDIS = np.array([(68, 1, 84), (59, 82, 139), (33, 145, 140), (94, 201, 98), (253, 231, 37)], dtype=np.float64)
GAIN_COLOR = np.array([202, 0, 32], dtype=np.float64)  # red: the class gained
LOSS_COLOR = np.array([5, 113, 176], dtype=np.float64)  # blue: the class lost
CELL_HEIGHT = 22
SHIFT_CELL = (64, 22)
MARGIN = 12


@dataclass(frozen=True)
class TvStrip:
    """One strip: ``tv[value, column]`` cells, a caption above, ``row_labels`` left and ``ticks`` below.

    Only every ``tick_every``-th tick label (and the first) is drawn.
    """

    caption: str
    row_labels: Sequence[str]
    ticks: Sequence[str]
    tv: np.ndarray  # [values, columns]
    cell_width: int
    tick_every: int = 1


@dataclass(frozen=True)
class ShiftRow:
    """One row of the class-change panel: its label and each class's change of share (-1..1)."""

    label: str
    change: np.ndarray  # [classes]


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


def _strip_height(strip: TvStrip) -> int:
    return 26 + len(strip.row_labels) * CELL_HEIGHT + 22 + 10  # caption, cells, ticks, space


def _draw_strip(draw: ImageDraw.ImageDraw, strip: TvStrip, x: int, y: int, scale: float) -> int:
    """Draw ``strip`` with its cells' top-left at ``(x, y)``; returns the y below its tick labels."""
    small = font(11)
    colors = viridis(strip.tv / scale)
    for v in range(strip.tv.shape[0]):
        for e in range(strip.tv.shape[1]):
            left, top = x + e * strip.cell_width, y + v * CELL_HEIGHT
            draw.rectangle((left, top, left + strip.cell_width - 1, top + CELL_HEIGHT - 1),
                           fill=tuple(int(c) for c in colors[v, e]))
    for v, label in enumerate(strip.row_labels):
        draw.text((x - 6 - text_width(draw, label, small), y + v * CELL_HEIGHT + 4), label, fill=0, font=small)
    bottom = y + strip.tv.shape[0] * CELL_HEIGHT
    for e, label in enumerate(strip.ticks):
        if e == 0 or (e + 1) % strip.tick_every == 0:
            centre = x + e * strip.cell_width + strip.cell_width // 2
            draw.line((centre, bottom, centre, bottom + 3), fill=0)
            draw.text((centre - text_width(draw, label, small) // 2, bottom + 4), label, fill=0, font=small)
    return bottom + 22


def render_heatmap(title: str, strips: Sequence[TvStrip], shift_caption: str, shift_rows: Sequence[ShiftRow],
                   class_names: Sequence[str], left: int) -> Image.Image:
    """Draw the strips on one colour scale (0 to the largest TV), a colour bar, then the class-change panel.

    ``left`` is the width of the label column left of the cells.

    Examples
    --------
    >>> strip = TvStrip("TV", ["= -3", "= 3"], ["1", "2"], np.array([[0.0, 0.5], [0.1, 0.2]]), 8)
    >>> render_heatmap("sweep", [strip], "changes", [ShiftRow("#2 = -3", np.array([0.2, -0.2]))], ["a", "b"], 80).mode
    'RGB'
    """
    title_font, small = font(13), font(11)
    scale = max(max(float(strip.tv.max()) for strip in strips), 1e-9)
    strips_width = max(strip.tv.shape[1] * strip.cell_width for strip in strips)
    width = left + max(strips_width, len(class_names) * SHIFT_CELL[0]) + 110
    height = MARGIN + 24 + sum(_strip_height(s) for s in strips) + 30 + 20 + len(shift_rows) * SHIFT_CELL[1] + MARGIN
    canvas = Image.new("RGB", (width, height), (255, 255, 255))
    draw = ImageDraw.Draw(canvas)
    y = MARGIN
    draw.text((MARGIN, y), title, fill=0, font=title_font)
    y += 24
    for strip in strips:
        draw.text((left, y), strip.caption, fill=0, font=small)
        y = _draw_strip(draw, strip, left, y + 18, scale) + 10
    bar_x, bar_y = left + strips_width + 40, MARGIN + 42  # the colour bar, beside the first strip
    bar_h = max(len(strips[0].row_labels) * CELL_HEIGHT, 40)
    for i in range(bar_h):
        color = tuple(int(c) for c in viridis(np.array(1 - i / max(bar_h - 1, 1))))
        draw.line((bar_x, bar_y + i, bar_x + 12, bar_y + i), fill=color)
    draw.text((bar_x + 16, bar_y - 4), f"TV {scale:.2f}", fill=0, font=small)
    draw.text((bar_x + 16, bar_y + bar_h - 10), "0", fill=0, font=small)
    draw.text((MARGIN, y), shift_caption, fill=0, font=small)
    y += 20
    for c, name in enumerate(class_names):
        centre = left + c * SHIFT_CELL[0] + SHIFT_CELL[0] // 2
        draw.text((centre - text_width(draw, name, small) // 2, y), name, fill=0, font=small)
    y += 18
    limit = max((float(np.abs(row.change).max()) for row in shift_rows), default=0.0)
    for r, row in enumerate(shift_rows):
        top_y = y + r * SHIFT_CELL[1]
        draw.text((left - 6 - text_width(draw, row.label, small), top_y + 4), row.label, fill=0, font=small)
        for c, delta in enumerate(row.change):
            cell_x = left + c * SHIFT_CELL[0]
            draw.rectangle((cell_x, top_y, cell_x + SHIFT_CELL[0] - 2, top_y + SHIFT_CELL[1] - 2),
                           fill=_diverging(float(delta), limit))
            text = f"{delta * 100:+.0f}" if abs(delta) >= 0.005 else "0"
            ink = (255, 255, 255) if limit > 0 and abs(delta) / limit > 0.6 else (0, 0, 0)
            draw.text((cell_x + (SHIFT_CELL[0] - text_width(draw, text, small)) // 2, top_y + 4), text, fill=ink, font=small)
    return canvas
