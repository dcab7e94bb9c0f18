"""Pixels and pictures: ``to_uint8``, ``render_grid`` and ``save_png``."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from ganedge.runtime import GanRuntimeError, render_grid, save_png, to_uint8


def _rows(count: int = 2, n: int = 8, seed: int = 0) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    return [rng.integers(0, 256, (n, 28, 28), dtype=np.uint8) for _ in range(count)]


def test_to_uint8_maps_tanh_range_with_the_metadata_formula() -> None:
    values = np.array([-1.0, -0.5, 0.0, 0.5, 1.0], dtype=np.float32).reshape(1, 1, 1, 5)
    expected = np.clip(np.round((values[:, 0] + 1) * 127.5), 0, 255).astype(np.uint8)
    assert np.array_equal(to_uint8(values), expected)
    assert to_uint8(values).tolist() == [[[0, 64, 128, 191, 255]]]


def test_to_uint8_drops_the_channel_axis_and_keeps_leading_axes() -> None:
    assert to_uint8(np.zeros((3, 8, 1, 28, 28))).shape == (3, 8, 28, 28)
    assert to_uint8(np.zeros((8, 28, 28))).shape == (8, 28, 28)


def test_to_uint8_clips_out_of_range_values_and_maps_nan_to_black() -> None:
    values = np.array([[[[-5.0, 5.0, np.nan]]]])
    assert to_uint8(values).tolist() == [[[0, 255, 0]]]


def test_to_uint8_honours_another_value_range() -> None:
    assert to_uint8(np.array([[[0.0, 0.5, 1.0]]]), value_range=(0.0, 1.0)).tolist() == [[[0, 128, 255]]]


def test_render_grid_lays_rows_out_with_scale_gap_and_a_label_margin() -> None:
    plain = render_grid(_rows(3), scale=3, gap=2)
    labelled = render_grid(_rows(3), ["random z", "#71 = -10", "#71 = 100"], scale=3, gap=2)
    assert plain.mode == labelled.mode == "L"
    assert plain.size == (2 + 8 * (84 + 2), 2 + 3 * (84 + 2))
    assert labelled.size[1] == plain.size[1] and labelled.size[0] > plain.size[0] + 40


def test_render_grid_places_each_image_scaled_by_nearest_neighbour() -> None:
    rows = _rows(2, n=3)
    grid = np.asarray(render_grid(rows, scale=2, gap=1))
    top, left = 1 + 1 * (56 + 1), 1 + 2 * (56 + 1)  # row 2, image 3
    expected = np.repeat(np.repeat(rows[1][2], 2, axis=0), 2, axis=1)
    assert np.array_equal(grid[top : top + 56, left : left + 56], expected)


def test_render_grid_draws_legible_dark_label_text_in_the_margin() -> None:
    grid = np.asarray(render_grid(_rows(1), ["#71 = -10"], scale=3))
    margin = grid[:, : grid.shape[1] - (2 + 8 * 86)]
    dark_rows = np.flatnonzero((margin < 128).any(axis=1))
    assert dark_rows.size >= 10  # text at least 10 px tall at scale 3
    assert 0 < dark_rows.min() and dark_rows.max() < grid.shape[0]


def test_render_grid_is_deterministic() -> None:
    first = render_grid(_rows(), ["random z", "#2 = 100"])
    second = render_grid(_rows(), ["random z", "#2 = 100"])
    assert first.tobytes() == second.tobytes()


@pytest.mark.parametrize(
    "rows, labels",
    [
        ([], None),
        ([np.zeros((8, 28, 28), np.float32)], None),
        ([np.zeros((8, 28, 28), np.uint8), np.zeros((8, 14, 14), np.uint8)], None),
        ([np.zeros((8, 28, 28), np.uint8)], ["one", "two"]),
    ],
    ids=["no-rows", "float-row", "mixed-sizes", "label-count"],
)
def test_render_grid_rejects_malformed_rows(rows: list[np.ndarray], labels: list[str] | None) -> None:
    with pytest.raises(GanRuntimeError):
        render_grid(rows, labels)


def test_save_png_writes_identical_bytes_for_the_same_image(tmp_path: Path) -> None:
    image = render_grid(_rows(), ["a", "b"])
    save_png(image, tmp_path / "a.png")
    save_png(image, tmp_path / "b.png")
    assert (tmp_path / "a.png").read_bytes() == (tmp_path / "b.png").read_bytes()
    assert Image.open(tmp_path / "a.png").tobytes() == image.tobytes()


def test_save_png_into_a_missing_folder_raises_and_writes_nothing(tmp_path: Path) -> None:
    with pytest.raises(GanRuntimeError, match="cannot write PNG"):
        save_png(render_grid(_rows()), tmp_path / "missing" / "grid.png")
    assert list(tmp_path.iterdir()) == []


def test_save_png_failing_midway_leaves_no_partial_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    real_write_bytes = Path.write_bytes

    def half_then_fail(self: Path, data: bytes) -> int:
        real_write_bytes(self, data[: len(data) // 2])
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(Path, "write_bytes", half_then_fail)
    with pytest.raises(GanRuntimeError, match="No space left"):
        save_png(render_grid(_rows()), tmp_path / "grid.png")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("shape", [(5, 7), (5, 7, 3)], ids=["grayscale", "rgb"])
def test_the_png_encoder_writes_what_pillow_reads_back_pixel_for_pixel(shape: tuple[int, ...], tmp_path: Path) -> None:
    from ganedge.runtime.base.png import encode_png

    pixels = np.random.default_rng(0).integers(0, 256, size=shape, dtype=np.uint8)
    (tmp_path / "x.png").write_bytes(encode_png(pixels))
    with Image.open(tmp_path / "x.png") as image:
        assert image.mode == ("L" if len(shape) == 2 else "RGB")
        assert np.array_equal(np.asarray(image), pixels)
