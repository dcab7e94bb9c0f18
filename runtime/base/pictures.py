"""Pictures: rows of pixels as one labelled grid, captions under rows, the one font helper, PNG files.

Pure numpy, shared by training (per-epoch sample grids), ``gan-run`` (the
report's figures), the sweep heatmap and the animations, so every picture
ganedge draws shows images and text the same way. Text is Pillow's default
font: drawn from its pre-rendered glyphs (:mod:`.glyphs`, the same pixels)
where they cover it, so ``gan-run`` never imports Pillow, and by Pillow
itself where they do not.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import TYPE_CHECKING, Sequence, Union

import numpy as np

from .errors import GanRuntimeError
from .files import Writer, atomic_write, bytes_writer
from .glyphs import draw_text, text_box
from .png import encode_png

if TYPE_CHECKING:
    from PIL import Image, ImageDraw, ImageFont

    Font = Union[ImageFont.ImageFont, ImageFont.FreeTypeFont]

BACKGROUND = 255  # white gaps and margin: FashionMNIST images are dark on the edges
TEXT_COLOR = 0
LABEL_PADDING = 8  # pixels left and right of a label in the margin
MIN_FONT_SIZE = 10


def _font_size(size: int) -> int:
    return max(MIN_FONT_SIZE, int(size))


def font(size: int) -> Font:
    """Pillow's bundled default font at ``size`` px when FreeType allows, else its fixed bitmap font.

    Examples
    --------
    >>> font(13).getbbox("Ag")[3] > 0
    True
    """
    from PIL import ImageFont

    try:
        return ImageFont.load_default(size=_font_size(size))
    except (TypeError, ImportError, OSError):  # Pillow < 10.1 or no FreeType: the fixed bitmap font
        return ImageFont.load_default()


def text_width(draw: ImageDraw.ImageDraw, text: str, face: Font) -> int:
    """Width in pixels of ``text`` drawn in ``face``."""
    return int(math.ceil(draw.textbbox((0, 0), text, font=face)[2]))


def text_bounds(text: str, size: int) -> tuple[int, int, int, int]:
    """``(left, top, right, bottom)`` of ``text`` drawn at ``(0, 0)`` in the default font at ``size`` px.

    Examples
    --------
    >>> text_bounds("random z", 16)
    (0, 4, 68, 16)
    """
    size = _font_size(size)
    box = text_box(text, size)
    if box is None:  # a character or size the pre-rendered glyphs lack
        from PIL import Image, ImageDraw

        box = ImageDraw.Draw(Image.new("L", (1, 1))).textbbox((0, 0), text, font=font(size))
    left, top, right, bottom = box
    return int(left), int(top), int(math.ceil(right)), int(bottom)


def draw_texts(canvas: np.ndarray, texts: Sequence[tuple[tuple[int, int], str]], size: int,
               fill: int = TEXT_COLOR) -> None:
    """Draw each ``(xy, text)`` into the uint8 ``[H, W]`` ``canvas`` in the default font at ``size`` px, in place.

    Examples
    --------
    >>> canvas = np.full((20, 80), 255, np.uint8)
    >>> draw_texts(canvas, [((2, 0), "random z")], 16)
    >>> int(canvas.min())
    0
    """
    size = _font_size(size)
    missed = [(xy, text) for xy, text in texts if not draw_text(canvas, xy, text, size, fill)]
    if missed:  # characters or a size the pre-rendered glyphs lack: Pillow draws those
        from PIL import Image, ImageDraw

        image = Image.fromarray(canvas)
        draw, face = ImageDraw.Draw(image), font(size)
        for xy, text in missed:
            draw.text(xy, text, fill=fill, font=face)
        canvas[...] = np.asarray(image)


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


def grid_pixels(
    rows: Sequence[np.ndarray],
    labels: Sequence[str] | None = None,
    scale: int = 3,
    gap: int = 2,
) -> np.ndarray:
    """The pixels of :func:`render_grid`'s picture, uint8 ``[H, W]``, without Pillow's image type.

    Examples
    --------
    >>> grid_pixels([np.zeros((8, 28, 28), np.uint8)], ["random z"]).shape
    (88, 774)
    """
    checked = _check_rows(rows)
    if labels is not None and len(labels) != len(checked):
        raise GanRuntimeError(f"got {len(labels)} labels for {len(checked)} rows; give one label per row")
    if int(scale) < 1 or int(gap) < 0:
        raise GanRuntimeError(f"scale must be >= 1 and gap >= 0, got scale={scale}, gap={gap}")
    scale, gap = int(scale), int(gap)
    cell_h, cell_w = (side * scale for side in checked[0].shape[1:])
    size = cell_h // 5  # about a fifth of an image's height
    texts = [str(label) for label in labels] if labels is not None else []
    bounds = [text_bounds(text, size) for text in texts]
    margin = max(box[2] for box in bounds) + 2 * LABEL_PADDING if texts else 0
    most = max(row.shape[0] for row in checked)
    width = margin + gap + most * (cell_w + gap)
    height = gap + len(checked) * (cell_h + gap)
    canvas = np.full((height, width), BACKGROUND, np.uint8)
    placed = []
    for r, row in enumerate(checked):
        top = gap + r * (cell_h + gap)
        big = np.repeat(np.repeat(row, scale, axis=1), scale, axis=2)
        for c, image in enumerate(big):
            left = margin + gap + c * (cell_w + gap)
            canvas[top : top + cell_h, left : left + cell_w] = image
        if texts:
            _, text_top, _, text_bottom = bounds[r]
            placed.append(((LABEL_PADDING, top + int(cell_h - text_top - text_bottom) // 2), texts[r]))  # centred
    draw_texts(canvas, placed, size)
    return canvas


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
    from 1 as in the report) are drawn in Pillow's default font. The same
    input always gives the same pixels (:func:`grid_pixels` gives them as an
    array).

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
    from PIL import Image

    return Image.fromarray(grid_pixels(rows, labels, scale, gap))


def save_png(image: Image.Image | np.ndarray, path: Path | str, what: str = "PNG") -> Path:
    """Save ``image`` as a PNG at ``path``, all at once or not at all.

    The PNG is written to a temp file beside ``path`` and renamed over it when
    complete, so a failure never leaves a partial file. The encoder
    (:mod:`.png`) writes no timestamp, so the same image always gives the
    same bytes.

    Parameters
    ----------
    image : PIL.Image.Image or np.ndarray
        The picture, e.g. from :func:`render_grid`, or uint8 pixels ``[H, W]`` or ``[H, W, 3]``.
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


def png_writer(image: Image.Image | np.ndarray) -> Writer:
    """A writer of ``image`` as PNG, for :func:`~ganedge.runtime.base.files.write_all`.

    A Pillow image of any mode (``L`` and ``RGB`` as they are, others as
    RGB), or uint8 pixels ``[H, W]`` or ``[H, W, 3]``.
    """
    if isinstance(image, np.ndarray):
        return bytes_writer(encode_png(image))
    return bytes_writer(encode_png(np.asarray(image.convert("RGB") if image.mode not in ("L", "RGB") else image)))


def caption_rows(grid: np.ndarray, captions: Sequence[str], cell_height: int, images_per_row: int, cell_width: int,
                 gap: int = 2) -> np.ndarray:
    """Insert one line of text under each row of a :func:`grid_pixels` picture (uint8 ``[H, W]``).

    The grid is cut into its rows (``gap`` + ``cell_height`` each) and laid
    out again with a caption strip below every row, aligned with its images.

    Examples
    --------
    >>> grid = grid_pixels([np.zeros((8, 28, 28), np.uint8)] * 2, ["random z", "#71 = -10"])
    >>> captioned = caption_rows(grid, ["Trouser 62%", "Bag 100%"], 84, 8, 84)
    >>> captioned.shape[1] == grid.shape[1] and captioned.shape[0] > grid.shape[0]
    True
    """
    size = cell_height // 6
    text_height = max(text_bounds("Ag%", size)[3], 1)
    strip = text_height + 2 * gap + 2
    width = grid.shape[1]
    left = width - images_per_row * (cell_width + gap)
    canvas = np.full((gap + len(captions) * (cell_height + strip + gap), width), 255, np.uint8)
    placed = []
    for r, caption in enumerate(captions):
        source_top = gap + r * (cell_height + gap)
        top = gap + r * (cell_height + strip + gap)
        canvas[top : top + cell_height] = grid[source_top : source_top + cell_height]
        placed.append(((left, top + cell_height + gap), caption))
    draw_texts(canvas, placed, size)
    return canvas
