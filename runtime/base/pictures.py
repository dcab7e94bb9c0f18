"""Pictures: rows of pixels as one labelled grid, captions under rows, the one font helper, PNG files.

Pure numpy + Pillow, shared by training (per-epoch sample grids), ``gan-run``
(the report's figures), the sweep heatmap and the animations, so every
picture ganedge draws shows images and text the same way.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Sequence

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from .errors import GanRuntimeError
from .files import Writer, atomic_write, bytes_writer
from .png import encode_png

BACKGROUND = 255  # white gaps and margin: FashionMNIST images are dark on the edges
TEXT_COLOR = 0
LABEL_PADDING = 8  # pixels left and right of a label in the margin
MIN_FONT_SIZE = 10


Font = ImageFont.ImageFont | ImageFont.FreeTypeFont


def font(size: int) -> Font:
    """Pillow's bundled default font at ``size`` px when FreeType allows, else its fixed bitmap font.

    Examples
    --------
    >>> font(13).getbbox("Ag")[3] > 0
    True
    """
    try:
        return ImageFont.load_default(size=max(MIN_FONT_SIZE, int(size)))
    except (TypeError, ImportError, OSError):  # Pillow < 10.1 or no FreeType: the fixed bitmap font
        return ImageFont.load_default()


def text_width(draw: ImageDraw.ImageDraw, text: str, face: Font) -> int:
    """Width in pixels of ``text`` drawn in ``face``."""
    return int(math.ceil(draw.textbbox((0, 0), text, font=face)[2]))


def _check_rows(rows: Sequence[np.ndarray]) -> list[np.ndarray]:
    if len(rows) == 0:
        raise GanRuntimeError("render_grid needs at least one row of images")
    checked = [np.asarray(row) for row in rows]
    for index, row in enumerate(checked, start=1):
        if row.dtype != np.uint8 or row.ndim != 3 or row.shape[0] == 0:
            raise GanRuntimeError(
                f"row {index} must be uint8 [n, H, W] with n >= 1, got {row.dtype} {list(row.shape)}; "
                "convert float images with to_uint8"
            )
    if len({row.shape[1:] for row in checked}) != 1:
        raise GanRuntimeError(f"all rows need the same image size, got {sorted({row.shape[1:] for row in checked})}")
    return checked


def render_grid(
    rows: Sequence[np.ndarray],
    labels: Sequence[str] | None = None,
    scale: int = 3,
    gap: int = 2,
) -> Image.Image:
    """Lay rows of images out as one grayscale picture, each row labelled in a left margin.

    Images are enlarged by ``scale`` (nearest neighbour, so pixels stay
    sharp), placed left to right with ``gap`` pixels between them, rows top to
    bottom. Labels (e.g. ``"random z"``, ``"#71 = -10"``; latent numbers count
    from 1 as in the report) are drawn with Pillow's default font. The same
    input always gives the same pixels.

    Parameters
    ----------
    rows : sequence of np.ndarray
        uint8 ``[n, H, W]`` each; rows may hold different counts of images.
    labels : sequence of str, optional
        One label per row; ``None`` draws no margin.
    scale : int
        Enlargement factor, >= 1 (3 turns 28 px into 84 px).
    gap : int
        Pixels between images and around the grid, >= 0.

    Returns
    -------
    PIL.Image.Image
        Mode ``"L"``.

    Examples
    --------
    >>> row = np.zeros((8, 28, 28), dtype=np.uint8)
    >>> render_grid([row, row], ["random z", "#71 = -10"]).mode
    'L'
    """
    checked = _check_rows(rows)
    if labels is not None and len(labels) != len(checked):
        raise GanRuntimeError(f"got {len(labels)} labels for {len(checked)} rows; give one label per row")
    if int(scale) < 1 or int(gap) < 0:
        raise GanRuntimeError(f"scale must be >= 1 and gap >= 0, got scale={scale}, gap={gap}")
    scale, gap = int(scale), int(gap)
    cell_h, cell_w = (side * scale for side in checked[0].shape[1:])
    face = font(cell_h // 5)  # about a fifth of an image's height
    measure = ImageDraw.Draw(Image.new("L", (1, 1)))
    margin = 0
    if labels is not None:
        widest = max(text_width(measure, str(label), face) for label in labels)
        margin = widest + 2 * LABEL_PADDING
    most = max(row.shape[0] for row in checked)
    width = margin + gap + most * (cell_w + gap)
    height = gap + len(checked) * (cell_h + gap)
    canvas = Image.new("L", (width, height), BACKGROUND)
    draw = ImageDraw.Draw(canvas)
    for r, row in enumerate(checked):
        top = gap + r * (cell_h + gap)
        for c, image in enumerate(row):
            big = np.repeat(np.repeat(image, scale, axis=0), scale, axis=1)
            canvas.paste(Image.fromarray(big, mode="L"), (margin + gap + c * (cell_w + gap), top))
        if labels is not None:
            _, text_top, _, text_bottom = draw.textbbox((0, 0), str(labels[r]), font=face)
            y = top + int(cell_h - text_top - text_bottom) // 2  # centred on the row
            draw.text((LABEL_PADDING, y), str(labels[r]), fill=TEXT_COLOR, font=face)
    return canvas


def save_png(image: Image.Image, path: Path | str, what: str = "PNG") -> Path:
    """Save ``image`` as a PNG at ``path``, all at once or not at all.

    The PNG is written to a temp file beside ``path`` and renamed over it when
    complete, so a failure never leaves a partial file. The encoder
    (:mod:`.png`) writes no timestamp, so the same image always gives the
    same bytes.

    Parameters
    ----------
    image : PIL.Image.Image
        The picture, e.g. from :func:`render_grid`.
    path : str or Path
        Destination file; its folder must exist.

    Returns
    -------
    Path
        ``path``.

    Raises
    ------
    GanRuntimeError
        If the file cannot be written (missing folder, no permission, disk full).

    Examples
    --------
    >>> save_png(render_grid([np.zeros((8, 28, 28), np.uint8)]), "grid.png")
    PosixPath('grid.png')
    """
    return atomic_write(path, png_writer(image), what)


def png_writer(image: Image.Image) -> Writer:
    """A writer of ``image`` (mode ``L`` or ``RGB``) as PNG, for :func:`~ganedge.runtime.base.files.write_all`."""
    return bytes_writer(encode_png(np.asarray(image.convert("RGB") if image.mode not in ("L", "RGB") else image)))


def caption_rows(grid: Image.Image, captions: Sequence[str], cell_height: int, images_per_row: int, cell_width: int,
                 gap: int = 2) -> Image.Image:
    """Insert one line of text under each row of a :func:`~ganedge.runtime.render_grid` picture.

    The grid is cut into its rows (``gap`` + ``cell_height`` each) and laid
    out again with a caption strip below every row, aligned with its images.

    Examples
    --------
    >>> grid = render_grid([np.zeros((8, 28, 28), np.uint8)] * 2, ["random z", "#71 = -10"])
    >>> captioned = caption_rows(grid, ["Trouser 62%", "Bag 100%"], 84, 8, 84)
    >>> captioned.width == grid.width and captioned.height > grid.height
    True
    """
    face = font(cell_height // 6)
    measure = ImageDraw.Draw(Image.new("L", (1, 1)))
    text_height = max(measure.textbbox((0, 0), "Ag%", font=face)[3], 1)
    strip = text_height + 2 * gap + 2
    left = grid.width - images_per_row * (cell_width + gap)
    canvas = Image.new(grid.mode, (grid.width, gap + len(captions) * (cell_height + strip + gap)), 255)
    draw = ImageDraw.Draw(canvas)
    for r, caption in enumerate(captions):
        source_top = gap + r * (cell_height + gap)
        top = gap + r * (cell_height + strip + gap)
        canvas.paste(grid.crop((0, source_top, grid.width, source_top + cell_height)), (0, top))
        draw.text((left, top + cell_height + gap), caption, fill=0, font=face)
    return canvas
