"""Animations: labelled rows of images as frames, written losslessly as an animated GIF, PNG (APNG) or WebP.

Each frame is one row drawn by the grid renderer every ganedge picture uses
(:func:`~ganedge.runtime.base.pictures.render_grid`), with the label margin
as wide as the widest label of the whole animation, so the images stay put
while the label changes. The pictures are grayscale; a GIF stores them as
palette images with the 256 greys as the palette, which is exact for uint8
pixels and for the anti-aliased text alike. APNG and lossless WebP keep
every grey too. The same frames give the same bytes.
"""

from __future__ import annotations

from pathlib import Path
from typing import Sequence

import numpy as np
from PIL import Image

from .errors import GanRuntimeError
from .files import Writer
from .pictures import render_grid

FORMATS = {".gif": "GIF", ".png": "PNG", ".webp": "WEBP"}
GAP = 2  # pixels between and around the images, as in every ganedge grid
GREYS = [level for grey in range(256) for level in (grey, grey, grey)]  # palette entry i is grey level i
MAX_SIDE = {"GIF": 65_535, "WEBP": 16_383}  # widest (and tallest) frame each format stores: 16-bit, 14-bit sizes


def animation_format(path: Path | str) -> str:
    """The Pillow format an animation at ``path`` is written in, from its suffix: GIF, PNG (APNG) or WebP.

    Examples
    --------
    >>> animation_format("sweep.gif"), animation_format("loop.webp")
    ('GIF', 'WEBP')
    """
    fmt = FORMATS.get(Path(path).suffix.lower())
    if fmt is None:
        raise GanRuntimeError(f"{str(path)!r}: an animation ends in .gif, .png (APNG) or .webp (lossless)")
    return fmt


def draw_frames(rows: Sequence[np.ndarray], labels: Sequence[str], scale: int = 3) -> list[Image.Image]:
    """One labelled grid row per frame (uint8 images ``[n, H, W]`` each), all the same size, images aligned.

    Examples
    --------
    >>> rows = [np.zeros((8, 28, 28), np.uint8)] * 2
    >>> [frame.size for frame in draw_frames(rows, ["#71 = -10", "#71 = 3.5"])]
    [(770, 88), (770, 88)]
    """
    if len(rows) != len(labels) or not rows:
        raise GanRuntimeError(f"an animation needs one label per frame and at least one frame, got {len(rows)} "
                              f"frames and {len(labels)} labels")
    sample = np.asarray(rows[0])[:1]
    widest = _widest_label(sample, labels, scale)
    frames = []
    for row, label in zip(rows, labels):
        # A second row with the widest label sets the margin; the frame is the first row, cut out.
        grid = render_grid([row, sample], [label, widest], scale=scale, gap=GAP)
        frames.append(grid.crop((0, 0, grid.width, grid.height - sample.shape[1] * scale - GAP)))
    return frames


def _widest_label(sample: np.ndarray, labels: Sequence[str], scale: int) -> str:
    """The label that needs the widest margin: it sets the margin of every frame, so the images stay put."""
    widths = {label: render_grid([sample], [label], scale=scale, gap=GAP).width for label in dict.fromkeys(labels)}
    return max(widths, key=lambda label: widths[label])


def frame_size(labels: Sequence[str], count: int, image_shape: tuple[int, int] = (28, 28),
               scale: int = 3) -> tuple[int, int]:
    """Width and height of the frames :func:`draw_frames` draws for these labels and ``count`` images per row.

    Only one frame is drawn, with no images generated, so a command can
    refuse a frame too large for its format (:func:`check_frame_size`)
    before it generates every frame.

    Examples
    --------
    >>> frame_size(["#71 = -10", "#71 = 3.5"], 8)
    (770, 88)
    """
    sample = np.zeros((1, *image_shape), np.uint8)
    row = np.zeros((count, *image_shape), np.uint8)
    return draw_frames([row], [_widest_label(sample, labels, scale)], scale=scale)[0].size


def check_frame_size(size: tuple[int, int], fmt: str) -> None:
    """Refuse frames wider or taller than ``fmt`` stores (WebP 16,383 px, GIF 65,535 px): Pillow fails only at the end.

    Examples
    --------
    >>> check_frame_size((16_384, 88), "WEBP")
    Traceback (most recent call last):
    ...
    ganedge.runtime.base.errors.GanRuntimeError: 16384x88 px frames are too large for WEBP, which stores at most 16,383 px in width and height
    """
    limit = MAX_SIDE.get(fmt)
    if limit is not None and max(size) > limit:
        raise GanRuntimeError(f"{size[0]}x{size[1]} px frames are too large for {fmt}, which stores at most "
                              f"{limit:,} px in width and height")


def _palette_image(frame: Image.Image) -> Image.Image:
    """A grayscale frame as a palette image whose palette is the 256 greys: the same numbers, exactly."""
    image = Image.frombytes("P", frame.size, frame.convert("L").tobytes())
    image.putpalette(GREYS)
    return image


def animation_writer(frames: Sequence[Image.Image], fps: float, fmt: str) -> Writer:
    """A writer of ``frames`` as a looping animation at ``fps`` frames per second in ``fmt`` (:func:`animation_format`).

    GIF counts time in hundredths of a second, so its frame time is
    ``1/fps`` rounded to 10 ms (15 fps plays at ~14.3).

    Examples
    --------
    >>> from ganedge.runtime.base.files import atomic_write
    >>> frames = draw_frames([np.zeros((2, 28, 28), np.uint8)] * 3, ["a", "b", "c"])
    >>> atomic_write("a.gif", animation_writer(frames, 15, "GIF"), "--out").name
    'a.gif'
    """
    if fmt not in FORMATS.values():
        raise GanRuntimeError(f"unknown animation format {fmt!r}; use one of {sorted(FORMATS.values())}")
    if not frames:
        raise GanRuntimeError("an animation needs at least one frame")
    if not 0 < float(fps) <= 100:
        raise GanRuntimeError(f"fps must be above 0 and at most 100, got {fps!r}")
    check_frame_size(frames[0].size, fmt)
    duration = 1000.0 / float(fps)  # milliseconds per frame
    if fmt == "GIF":
        images = [_palette_image(frame) for frame in frames]
        options: dict[str, object] = {"duration": round(duration / 10) * 10, "loop": 0, "optimize": False,
                                      "disposal": 1}
    elif fmt == "PNG":
        images = [frame.convert("L") for frame in frames]
        options = {"duration": round(duration), "loop": 0, "default_image": False, "disposal": 0, "blend": 0}
    else:
        images = [frame.convert("RGB") for frame in frames]  # WebP stores colour; r = g = b keeps each grey
        options = {"duration": round(duration), "loop": 0, "lossless": True, "quality": 100, "method": 4,
                   "minimize_size": False, "allow_mixed": False}

    def write(tmp_name: str) -> None:
        images[0].save(tmp_name, format=fmt, save_all=True, append_images=images[1:], **options)

    return write
