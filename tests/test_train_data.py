"""The FashionMNIST loader: real files, synthetic IDX files, checksums, missing data."""

from __future__ import annotations

import gzip
from pathlib import Path

import numpy as np
import pytest

from ganedge.train import data
from ganedge.runtime.base.dataset import PAYLOAD_MD5, read_idx
from ganedge.runtime.base.errors import DatasetError
from ganedge.train.data import load_split


def _idx_bytes(array: np.ndarray) -> bytes:
    header = bytes([0, 0, 0x08, array.ndim]) + b"".join(d.to_bytes(4, "big") for d in array.shape)
    return header + array.astype(np.uint8).tobytes()


def test_read_idx_decodes_a_synthetic_image_file() -> None:
    images = np.arange(2 * 28 * 28, dtype=np.uint8).reshape(2, 28, 28)
    assert np.array_equal(read_idx(_idx_bytes(images)), images)


def test_read_idx_rejects_a_bad_magic_number_and_a_short_payload() -> None:
    with pytest.raises(ValueError, match="magic"):
        read_idx(b"\x00\x00\x0d\x01\x00\x00\x00\x01\x00")
    with pytest.raises(ValueError, match="payload"):
        read_idx(_idx_bytes(np.zeros((3, 4)))[:-1])


def test_real_train_and_test_splits_load_with_published_checksums(real_data_dir: Path) -> None:
    train = load_split("train", real_data_dir)
    test = load_split("test", real_data_dir)
    assert train.images.shape == (60000, 28, 28) and train.labels.shape == (60000,)
    assert test.images.shape == (10000, 28, 28) and test.labels.shape == (10000,)
    assert np.bincount(train.labels).tolist() == [6000] * 10
    assert set(train.checksums.values()) <= set(PAYLOAD_MD5.values())


def _write_synthetic_dataset(folder: Path) -> None:
    rng = np.random.default_rng(0)
    for name in PAYLOAD_MD5:
        shape = (10, 28, 28) if "images" in name else (10,)
        (folder / f"{name}.gz").write_bytes(gzip.compress(_idx_bytes(rng.integers(0, 255, shape))))


def test_checksum_mismatch_is_reported_with_how_to_get_the_real_data(tmp_path: Path) -> None:
    _write_synthetic_dataset(tmp_path)
    with pytest.raises(DatasetError, match="corrupt or not FashionMNIST.*apt-get install dataset-fashion-mnist"):
        load_split("train", tmp_path)


def test_truncated_gzip_is_a_clear_error(tmp_path: Path, real_data_dir: Path) -> None:
    _write_synthetic_dataset(tmp_path)
    original = (real_data_dir / "train-labels-idx1-ubyte.gz").read_bytes()
    (tmp_path / "train-labels-idx1-ubyte.gz").write_bytes(original[: len(original) // 2])
    (tmp_path / "train-images-idx3-ubyte.gz").write_bytes((real_data_dir / "train-images-idx3-ubyte.gz").read_bytes())
    with pytest.raises(DatasetError, match="cannot read"):
        load_split("train", tmp_path)


def test_data_dir_without_the_files_says_how_to_get_them(tmp_path: Path) -> None:
    with pytest.raises(DatasetError, match="--data-dir.*--download"):
        load_split("train", tmp_path)


def test_nothing_found_and_no_download_is_an_error(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(data.dataset, "DEBIAN_DIR", tmp_path / "none")
    monkeypatch.setattr(data.dataset, "CACHE_DIR", tmp_path / "cache")
    with pytest.raises(DatasetError, match="not found.*apt-get install"):
        load_split("train")
