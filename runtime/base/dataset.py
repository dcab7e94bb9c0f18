"""FashionMNIST's original IDX files, read and checked with numpy alone.

Training reads the train split through this module, and the runtime's
measuring tools read the test split, so there is one reader and one list of
checksums. Every file is checked against the published MD5 of its
decompressed content, which holds for the original ``.gz`` files and for
Debian's recompressed ones (``dataset-fashion-mnist``) alike.
"""

from __future__ import annotations

import gzip
import hashlib
import os
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .errors import DatasetError

DEBIAN_DIR = Path("/usr/share/datasets/fashion-mnist")
CACHE_DIR = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "ganedge" / "fashion-mnist"

CLASS_NAMES = (
    "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
    "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot",
)

# Published MD5 of each file's decompressed content (torchvision's ``raw_data``).
PAYLOAD_MD5 = {
    "train-images-idx3-ubyte": "f4a8712d7a061bf5bd6d2ca38dc4d50a",
    "train-labels-idx1-ubyte": "9018921c3c673c538a1fc5bad174d6f9",
    "t10k-images-idx3-ubyte": "8181f5470baa50b63fa0f6fddb340f0a",
    "t10k-labels-idx1-ubyte": "15d484375f8d13e6eb1aabb0c3f46965",
}
# Size of each file's decompressed content: a reader never inflates more than this (a 6 MB file
# can hold gigabytes of zeros), and any other size is a corrupt file.
PAYLOAD_BYTES = {
    "train-images-idx3-ubyte": 16 + 60_000 * 28 * 28,
    "train-labels-idx1-ubyte": 8 + 60_000,
    "t10k-images-idx3-ubyte": 16 + 10_000 * 28 * 28,
    "t10k-labels-idx1-ubyte": 8 + 10_000,
}
SPLIT_FILES = {
    "train": ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
    "test": ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"),
}
HOW_TO_GET = (
    "install it with `apt-get install dataset-fashion-mnist`, point --data-dir at a folder "
    "with the four *-ubyte.gz files, or pass --download (gan-train)"
)


@dataclass(frozen=True)
class Split:
    """One split in memory: ``images`` uint8 ``[N, 28, 28]``, ``labels`` uint8 ``[N]``."""

    images: np.ndarray
    labels: np.ndarray
    source: Path
    checksums: dict[str, str]


def read_idx(raw: bytes) -> np.ndarray:
    """Decode an IDX byte string (magic ``0 0 0x08 ndim``, big-endian dims, uint8 data).

    Examples
    --------
    >>> read_idx(bytes([0, 0, 8, 1, 0, 0, 0, 2, 7, 9])).tolist()
    [7, 9]
    """
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0 or raw[2] != 0x08:
        raise ValueError("not an unsigned-byte IDX file (bad magic number)")
    ndim = raw[3]
    header = 4 + 4 * ndim
    if len(raw) < header:
        raise ValueError("IDX header is truncated")
    dims = tuple(int.from_bytes(raw[4 + 4 * i: 8 + 4 * i], "big") for i in range(ndim))
    if len(raw) - header != int(np.prod(dims)):
        raise ValueError(f"IDX payload has {len(raw) - header} bytes, dims {dims} need {int(np.prod(dims))}")
    return np.frombuffer(raw, dtype=np.uint8, offset=header).reshape(dims)


def has_all_files(folder: Path) -> bool:
    return all((folder / f"{name}.gz").is_file() or (folder / name).is_file() for name in PAYLOAD_MD5)


def find_local_data_dir(data_dir: Path | None = None) -> Path | None:
    """``data_dir`` if given (an error if it lacks the files), else the Debian folder, else the cache; ``None`` if neither has them.

    Examples
    --------
    >>> find_local_data_dir() == DEBIAN_DIR   # CI installs Debian's dataset-fashion-mnist
    True
    """
    if data_dir is not None:
        if not has_all_files(data_dir):
            raise DatasetError(f"--data-dir {data_dir} does not hold the four FashionMNIST *-ubyte.gz files; {HOW_TO_GET}")
        return data_dir
    for candidate in (DEBIAN_DIR, CACHE_DIR / "FashionMNIST" / "raw"):
        if has_all_files(candidate):
            return candidate
    return None


def read_bounded(path: Path, size: int) -> bytes:
    """The content of ``path`` (gzip-compressed when it ends in ``.gz``), at most ``size + 1`` bytes of it.

    Reading one byte past the expected size is how a longer (or bomb) file is
    told apart without inflating it whole. Every failure (a flipped bit, a
    truncation, a missing file) is one :class:`DatasetError`.

    Examples
    --------
    >>> len(read_bounded(DEBIAN_DIR / "t10k-labels-idx1-ubyte.gz", 100))
    101
    """
    try:
        if path.suffix == ".gz":
            with gzip.open(path, "rb") as stream:
                return stream.read(size + 1)
        with open(path, "rb") as stream:
            return stream.read(size + 1)
    except (OSError, EOFError, ValueError, zlib.error) as error:  # BadGzipFile is an OSError
        raise DatasetError(f"cannot read {path}: {error}; {HOW_TO_GET}") from None


def _read_checked(folder: Path, name: str) -> tuple[np.ndarray, str]:
    path = folder / f"{name}.gz"
    if not path.is_file():
        path = folder / name
    raw = read_bounded(path, PAYLOAD_BYTES[name])
    if len(raw) != PAYLOAD_BYTES[name]:
        raise DatasetError(f"{path} is corrupt or not FashionMNIST (its content is {'longer' if len(raw) > PAYLOAD_BYTES[name] else f'{len(raw):,} bytes'}, "
                           f"expected {PAYLOAD_BYTES[name]:,}); {HOW_TO_GET}")
    digest = hashlib.md5(raw).hexdigest()
    if digest != PAYLOAD_MD5[name]:
        raise DatasetError(
            f"{path} is corrupt or not FashionMNIST (MD5 of its content {digest}, expected "
            f"{PAYLOAD_MD5[name]}); {HOW_TO_GET}"
        )
    return read_idx(raw), digest


def read_split(folder: Path, split: str = "train") -> Split:
    """Read and verify one split from ``folder``.

    Examples
    --------
    >>> test = read_split(DEBIAN_DIR, "test")
    >>> test.images.shape, test.labels.shape
    ((10000, 28, 28), (10000,))
    """
    if split not in SPLIT_FILES:
        raise DatasetError(f"unknown split {split!r}; use 'train' or 'test'")
    images_name, labels_name = SPLIT_FILES[split]
    images, images_md5 = _read_checked(folder, images_name)
    labels, labels_md5 = _read_checked(folder, labels_name)
    return Split(images, labels, folder, {images_name: images_md5, labels_name: labels_md5})


def find_data_dir(data_dir: Path | None = None) -> Path:
    """Like :func:`find_local_data_dir`, but a :class:`DatasetError` saying how to get the data when none is found."""
    found = find_local_data_dir(data_dir)
    if found is None:
        raise DatasetError(f"FashionMNIST not found in {DEBIAN_DIR} or {CACHE_DIR}; {HOW_TO_GET}")
    return found


def read_splits(data_dir: Path | None = None) -> tuple[Path, Split, Split]:
    """The folder, test split and train split of FashionMNIST, found and verified (what ``gan-eval`` measures against).

    Examples
    --------
    >>> folder, test, train = read_splits()
    >>> len(test.images), len(train.images)
    (10000, 60000)
    """
    folder = find_data_dir(data_dir)
    return folder, read_split(folder, "test"), read_split(folder, "train")
