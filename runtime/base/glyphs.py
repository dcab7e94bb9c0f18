"""Pillow's default font, pre-rendered: labels drawn with numpy alone, pixel for pixel as Pillow draws them.

Importing Pillow and drawing the first label with FreeType took ~19 ms of
``gan-run``'s ~190 ms cold start (docs/decisions.md), for one line of text.
``glyphs.bin`` holds the glyphs of ``ImageFont.load_default(size)`` (Aileron
Regular, CC0) for printable ASCII at sizes 10-32, as Pillow's FreeType
renderer makes them. Placed at their integer advances and combined as that
renderer combines overlapping glyphs, they give the same pixels as
``ImageDraw.text`` on a white or grey canvas (tests/test_runtime_glyphs.py
compares every glyph and size with the Pillow version that made the file).
Text with other characters, or at other sizes, is not covered: the
functions return ``None`` and the caller draws it with Pillow.

The file: a 4-byte big-endian header length, a small JSON header (the
Pillow version, the characters, each size's byte range), then one zlib block
per size: each character's ``advance, left, top, width, height`` as
little-endian int16, then the characters' masks, row-major, in that order.
:func:`build_glyph_file` writes it.
"""

from __future__ import annotations

import functools
import json
import struct
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .files import atomic_write, bytes_writer

GLYPH_FILE = Path(__file__).with_name("glyphs.bin")
SIZES = range(10, 33)  # render_grid's labels at --scale 1-5, captions, the sweep heatmap's text
CHARACTERS = "".join(chr(code) for code in range(32, 127))  # printable ASCII: every label ganedge writes


@dataclass(frozen=True)
class Glyph:
    """One character at one size: its coverage mask (0-255), where it sits from the pen, how far the pen moves."""

    mask: np.ndarray
    left: int
    top: int
    advance: int


@functools.lru_cache(maxsize=None)
def _file() -> tuple[dict, bytes]:
    data = GLYPH_FILE.read_bytes()
    (length,) = struct.unpack(">I", data[:4])
    return json.loads(data[4 : 4 + length]), data[4 + length :]


@functools.lru_cache(maxsize=None)
def glyphs(size: int) -> dict[str, Glyph] | None:
    """The glyphs of Pillow's default font at ``size`` px, or ``None`` when the file has no such size.

    Examples
    --------
    >>> glyphs(16)["a"].advance, glyphs(200) is None
    (9, True)
    """
    header, blocks = _file()
    block = header["sizes"].get(str(size))
    if block is None:
        return None
    data = zlib.decompress(blocks[block[0] : block[1]])
    characters = header["characters"]
    metrics = np.frombuffer(data, "<i2", 5 * len(characters)).reshape(len(characters), 5).tolist()
    result, offset = {}, 10 * len(characters)  # the masks follow the int16 metrics
    for character, (advance, left, top, width, height) in zip(characters, metrics):
        mask = np.frombuffer(data, np.uint8, width * height, offset).reshape(height, width)
        result[character] = Glyph(mask, left, top, advance)
        offset += width * height
    return result


def _covered(text: str, size: int) -> dict[str, Glyph] | None:
    font = glyphs(size)
    if font is None or any(character not in font for character in text):
        return None
    return font


def text_box(text: str, size: int) -> tuple[int, int, int, int] | None:
    """``ImageDraw.textbbox((0, 0), text)`` in Pillow's default font at ``size``: ``(left, top, right, bottom)``.

    ``None`` when ``text`` has a character or ``size`` the file lacks.

    Examples
    --------
    >>> text_box("random z", 16)
    (0, 4, 68, 16)
    """
    font = _covered(text, size)
    if font is None:
        return None
    if not text:
        return (0, 0, 0, 0)
    pen, boxes = 0, []
    for character in text:
        glyph = font[character]
        height, width = glyph.mask.shape
        boxes.append((pen + glyph.left, glyph.top, pen + glyph.left + width, glyph.top + height))
        pen += glyph.advance
    return (min(b[0] for b in boxes), min(b[1] for b in boxes), max(b[2] for b in boxes), max(b[3] for b in boxes))


def _over(below: np.ndarray, above: np.ndarray) -> np.ndarray:
    """Two coverage masks where glyphs overlap, combined as Pillow's FreeType renderer does."""
    below32, above32 = below.astype(np.int32), above.astype(np.int32)
    return (below32 + above32 - (below32 * above32 + 127) // 255).astype(np.uint8)


def draw_text(canvas: np.ndarray, xy: tuple[int, int], text: str, size: int, fill: int = 0) -> bool:
    """Draw ``text`` into the uint8 ``[H, W]`` ``canvas`` at ``xy`` as ``ImageDraw.text(xy, text, fill)`` would.

    Returns ``False``, drawing nothing, when the file does not cover
    ``text`` at ``size`` (draw it with Pillow then). Text outside the canvas
    is clipped.

    Examples
    --------
    >>> canvas = np.full((20, 80), 255, np.uint8)
    >>> draw_text(canvas, (2, 0), "random z", 16), int(canvas.min())
    (True, 0)
    """
    box = text_box(text, size)
    font = glyphs(size)
    if box is None or font is None:
        return False
    left, top, right, bottom = box
    coverage = np.zeros((bottom - top, right - left), np.uint8)
    pen = 0
    for character in text:
        glyph = font[character]
        height, width = glyph.mask.shape
        x, y = pen + glyph.left - left, glyph.top - top
        coverage[y : y + height, x : x + width] = _over(coverage[y : y + height, x : x + width], glyph.mask)
        pen += glyph.advance
    x0, y0 = xy[0] + left, xy[1] + top  # where the coverage's corner lands on the canvas
    cx0, cy0 = max(x0, 0), max(y0, 0)
    cx1, cy1 = min(x0 + coverage.shape[1], canvas.shape[1]), min(y0 + coverage.shape[0], canvas.shape[0])
    if cx0 >= cx1 or cy0 >= cy1:
        return True
    mask = coverage[cy0 - y0 : cy1 - y0, cx0 - x0 : cx1 - x0].astype(np.int32)
    region = canvas[cy0:cy1, cx0:cx1]
    blended = region.astype(np.int32) * (255 - mask) + int(fill) * mask + 128  # Pillow's BLEND, rounded as DIV255
    region[...] = ((blended + (blended >> 8)) >> 8).astype(np.uint8)
    return True


def build_glyph_file(path: Path | str = GLYPH_FILE) -> Path:
    """Render :data:`CHARACTERS` at :data:`SIZES` with the installed Pillow and write the glyph file.

    Run once when Pillow's default font or its renderer changes (the header
    records the Pillow version; tests compare the file with that version).
    """
    import PIL
    from PIL import ImageFont

    header: dict = {"pillow": PIL.__version__, "font": "ImageFont.load_default(size): Aileron Regular (CC0)",
                    "characters": CHARACTERS, "sizes": {}}
    blocks = b""
    for size in SIZES:
        font = ImageFont.load_default(size=size)
        metrics, masks = [], b""
        for character in CHARACTERS:
            mask, (left, top) = font.getmask2(character, mode="L")
            width, height = mask.size
            advance = font.getlength(character)
            if advance != int(advance):
                raise ValueError(f"{character!r} at {size} px advances {advance} px: this file stores whole pixels")
            metrics.append([int(advance), left, top, width, height])
            masks += bytes(mask)
        block = zlib.compress(np.array(metrics, "<i2").tobytes() + masks, 9)
        header["sizes"][str(size)] = [len(blocks), len(blocks) + len(block)]
        blocks += block
    encoded = json.dumps(header, separators=(",", ":")).encode()
    return atomic_write(path, bytes_writer(struct.pack(">I", len(encoded)) + encoded + blocks), "glyph file")
