"""Pre-rendered text (``runtime/base/glyphs.py``): the same pixels as Pillow draws, and Pillow where it does not reach.

The exact comparisons need the Pillow version that made ``glyphs.bin``
(FreeType's rendering moves by a grey level between its builds: Pillow
10.1's differs in about one pixel per string); on another version they
are skipped and the drawing checks that need no Pillow reference still run.
"""

from __future__ import annotations

import random
from pathlib import Path

import numpy as np
import PIL
import pytest
from PIL import Image, ImageDraw, ImageFont

from ganedge.runtime.base import glyphs
from ganedge.runtime.base.glyphs import CHARACTERS, SIZES, build_glyph_file, draw_text, text_box
from ganedge.runtime.base.pictures import caption_rows, draw_texts, grid_pixels, render_grid, text_bounds

MADE_WITH = glyphs._file()[0]["pillow"]
same_pillow = pytest.mark.skipif(PIL.__version__ != MADE_WITH,
                                 reason=f"glyphs.bin was rendered by Pillow {MADE_WITH}, this is {PIL.__version__}")

LABELS = ["random z", "#71 = -10", "#100 = 3.5", "dir 1 = -2", "T-shirt/top 62%  Bag 10%", " lead", "trail ", "",
          "AVAWTo j_q|", CHARACTERS]


def _random_texts(count: int, seed: int = 0) -> list[str]:
    rng = random.Random(seed)
    return ["".join(rng.choice(CHARACTERS) for _ in range(rng.randint(1, 24))) for _ in range(count)]


def _pillow_text(size: int, xy: tuple[int, int], text: str, background: int, shape: tuple[int, int]) -> np.ndarray:
    canvas = Image.new("L", (shape[1], shape[0]), background)
    ImageDraw.Draw(canvas).text(xy, text, fill=0, font=ImageFont.load_default(size=size))
    return np.asarray(canvas)


@same_pillow
@pytest.mark.parametrize("size", list(SIZES))
def test_every_size_draws_the_pixels_and_bounds_pillow_draws(size: int) -> None:
    face = ImageFont.load_default(size=size)
    measure = ImageDraw.Draw(Image.new("L", (1, 1)))
    for background in (255, 128):  # white as in every picture; grey checks the blend, not only the coverage
        for text in LABELS + _random_texts(20, seed=size):
            ours = np.full((3 * size, 40 * size), background, np.uint8)
            assert draw_text(ours, (5, 3), text, size)
            expected = _pillow_text(size, (5, 3), text, background, ours.shape)
            assert np.array_equal(ours, expected), f"{text!r} at {size} px: {(ours != expected).sum()} pixels differ"
            assert text_box(text, size) == measure.textbbox((0, 0), text, font=face)


@same_pillow
def test_text_running_off_the_canvas_is_clipped_as_pillow_clips_it() -> None:
    for size in (10, 16, 32):
        for xy in ((-4, -5), (20, 4), (-30, 0)):
            ours = np.full((12, 30), 255, np.uint8)
            draw_text(ours, xy, "Wg#@", size)
            assert np.array_equal(ours, _pillow_text(size, xy, "Wg#@", 255, ours.shape))


@same_pillow
def test_the_glyph_file_is_what_the_builder_writes(tmp_path: Path) -> None:
    assert build_glyph_file(tmp_path / "glyphs.bin").read_bytes() == glyphs.GLYPH_FILE.read_bytes()


def test_text_the_glyphs_do_not_cover_is_left_to_pillow() -> None:
    """Another character or size: nothing drawn here, and draw_texts draws it with Pillow, as before."""
    canvas = np.full((40, 200), 255, np.uint8)
    assert not draw_text(canvas, (2, 2), "caf\u00e9", 16) and text_box("caf\u00e9", 16) is None
    assert not draw_text(canvas, (2, 2), "coat", max(SIZES) + 8) and text_box("coat", max(SIZES) + 8) is None
    assert (canvas == 255).all()
    for text, size in (("caf\u00e9 \u2192 coat", 16), ("coat", max(SIZES) + 8)):
        ours = np.full((60, 300), 255, np.uint8)
        draw_texts(ours, [((4, 4), text)], size)
        assert np.array_equal(ours, _pillow_text(size, (4, 4), text, 255, ours.shape))
        measure = ImageDraw.Draw(Image.new("L", (1, 1)))
        assert text_bounds(text, size) == tuple(int(v) for v in measure.textbbox((0, 0), text,
                                                                               font=ImageFont.load_default(size=size)))


def test_drawn_text_is_dark_where_the_glyphs_are_and_nowhere_else() -> None:
    canvas = np.full((30, 120), 255, np.uint8)
    assert draw_text(canvas, (10, 5), "#71 = -10", 16)
    left, top, right, bottom = text_box("#71 = -10", 16)
    inked = np.argwhere(canvas < 255)
    assert inked.size and canvas.min() == 0
    assert inked[:, 0].min() >= 5 + top and inked[:, 0].max() < 5 + bottom
    assert inked[:, 1].min() >= 10 + left and inked[:, 1].max() < 10 + right


def test_grids_and_captions_are_drawn_without_pillow_and_render_grid_gives_the_same_pixels() -> None:
    rows = [np.random.default_rng(0).integers(0, 256, (8, 28, 28), dtype=np.uint8) for _ in range(2)]
    labels = ["random z", "#71 = -10"]
    pixels = grid_pixels(rows, labels)
    assert pixels.dtype == np.uint8 and pixels.shape == (2 + 2 * 86, np.asarray(render_grid(rows, labels)).shape[1])
    assert np.array_equal(np.asarray(render_grid(rows, labels)), pixels)
    margin = pixels.shape[1] - 2 - 8 * 86
    assert margin == max(text_bounds(label, 84 // 5)[2] for label in labels) + 16  # the widest label, padded
    assert (pixels[:, :margin] < 255).any()  # the labels are drawn
    captioned = caption_rows(pixels, ["Trouser 62%", "Bag 100%"], 84, 8, 84)
    assert captioned.shape[1] == pixels.shape[1] and captioned.shape[0] > pixels.shape[0]
    assert np.array_equal(captioned[2:86], pixels[2:86])  # the first row moved nowhere
