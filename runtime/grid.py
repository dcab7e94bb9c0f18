"""Generator output -> pixels -> one labelled PNG grid.

Pure numpy + Pillow, shared by training (per-epoch sample grids) and
``gan-run`` (the report's figures), so both show images the same way.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Sequence

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from .atomic import atomic_write
from .errors import GanRuntimeError

BACKGROUND = 255  # white gaps and margin: FashionMNIST images are dark on the edges
TEXT_COLOR = 0
LABEL_PADDING = 8  # pixels left and right of a label in the margin
MIN_FONT_SIZE = 10


def to_uint8(images: np.ndarray, value_range: tuple[float, float] = (-1.0, 1.0)) -> np.ndarray:
    """Map float images to uint8 pixels: ``clip(round((v - low) / (high - low) * 255), 0, 255)``.

    For the generator's tanh range (-1, 1) that is ``round((v + 1) * 127.5)``,
    the mapping the exporter records in the model's metadata. A channel axis of
    size 1 (``[..., 1, H, W]`` with at least 4 dimensions) is dropped; a 3-D
    array is read as ``[n, H, W]``. NaN becomes ``low`` (pixel 0).

    Parameters
    ----------
    images : np.ndarray
        Float images ``[..., 1, H, W]`` or ``[..., H, W]``.
    value_range : tuple of float
        ``(low, high)``: the values that map to pixels 0 and 255.

    Returns
    -------
    np.ndarray
        uint8 ``[..., H, W]``.

    Examples
    --------
    >>> to_uint8(np.array([[[-1.0, 0.0, 1.0]]], dtype=np.float32))
    array([[[  0, 128, 255]]], dtype=uint8)
    """
    low, high = (float(v) for v in value_range)
    if not high > low:
        raise GanRuntimeError(f"value_range must have low < high, got {value_range!r}")
    values = np.asarray(images)
    if values.ndim >= 4 and values.shape[-3] == 1:
        values = values[..., 0, :, :]
    # float32 arithmetic in one scratch array: 5x faster than float64 per chunk (measured); the
    # generator's output is float32, so float64 adds no precision, only ties may round differently.
    scaled = np.subtract(values, low, dtype=np.float32)
    np.nan_to_num(scaled, copy=False, nan=0.0)
    scaled *= np.float32(255.0 / (high - low))
    np.rint(scaled, out=scaled)
    np.clip(scaled, 0, 255, out=scaled)
    return scaled.astype(np.uint8)


def _label_font(cell_height: int) -> ImageFont.ImageFont | ImageFont.FreeTypeFont:
    """Pillow's bundled default font, sized to about a fifth of an image's height when FreeType allows."""
    size = max(MIN_FONT_SIZE, cell_height // 5)
    try:
        return ImageFont.load_default(size=size)
    except (TypeError, ImportError, OSError):  # Pillow < 10.1 or no FreeType: the fixed bitmap font
        return ImageFont.load_default()


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
    font = _label_font(cell_h)
    measure = ImageDraw.Draw(Image.new("L", (1, 1)))
    margin = 0
    if labels is not None:
        widest = max(measure.textbbox((0, 0), str(label), font=font)[2] for label in labels)
        margin = math.ceil(widest) + 2 * LABEL_PADDING
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
            _, text_top, _, text_bottom = draw.textbbox((0, 0), str(labels[r]), font=font)
            y = top + int(cell_h - text_top - text_bottom) // 2  # centred on the row
            draw.text((LABEL_PADDING, y), str(labels[r]), fill=TEXT_COLOR, font=font)
    return canvas


def save_png(image: Image.Image, path: Path | str) -> Path:
    """Save ``image`` as a PNG at ``path``, all at once or not at all.

    The PNG is written to a temp file beside ``path`` and renamed over it when
    complete, so a failure never leaves a partial file. Pillow writes no
    timestamp, so the same image always gives the same bytes.

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
    >>> save_png(render_grid([np.zeros((8, 28, 28), np.uint8)]), "grid.png")   # doctest: +SKIP
    PosixPath('grid.png')
    """
    path = Path(path)
    try:
        atomic_write(path, lambda tmp_name: image.save(tmp_name, format="PNG"))
    except OSError as error:
        reason = error.strerror or str(error)
        raise GanRuntimeError(f"cannot write PNG {str(path)!r}: {reason}") from None
    return path
