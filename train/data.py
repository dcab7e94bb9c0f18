"""FashionMNIST from the four original IDX files, checked and held in memory.

Why not torchvision's ``FashionMNIST`` + ``DataLoader``: per-sample PIL
transforms cost about 3x the whole training step on this model. The split is
60,000 x 784 bytes, so it lives in memory as one tensor and is batched by index.

Where the files come from, in order: ``--data-dir`` when given; else the Debian
package ``dataset-fashion-mnist`` (``/usr/share/datasets/fashion-mnist``); else a
previous download in the cache; else torchvision's download when the user
passes ``--download``. Every file is checked against the dataset's published
MD5 of its decompressed content, which holds for the original ``.gz`` files and
for Debian's recompressed ones alike.
"""

from __future__ import annotations

import gzip
import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .errors import TrainError

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
SPLIT_FILES = {
    "train": ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
    "test": ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"),
}
HOW_TO_GET = (
    "install it with `apt-get install dataset-fashion-mnist`, point --data-dir at a folder "
    "with the four *-ubyte.gz files, or pass --download"
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


def find_data_dir(data_dir: Path | None = None, download: bool = False) -> Path:
    """The folder to read from, following the order in the module docstring."""
    if data_dir is not None:
        if not all((data_dir / f"{name}.gz").is_file() or (data_dir / name).is_file() for name in PAYLOAD_MD5):
            raise TrainError(f"--data-dir {data_dir} does not hold the four FashionMNIST *-ubyte.gz files; {HOW_TO_GET}")
        return data_dir
    for candidate in (DEBIAN_DIR, CACHE_DIR / "FashionMNIST" / "raw"):
        if all((candidate / f"{name}.gz").is_file() for name in PAYLOAD_MD5):
            return candidate
    if download:
        return _download_with_torchvision()
    raise TrainError(f"FashionMNIST not found in {DEBIAN_DIR} or {CACHE_DIR}; {HOW_TO_GET}")


def _download_with_torchvision() -> Path:
    try:
        from torchvision.datasets import FashionMNIST
    except ImportError:
        raise TrainError("--download needs torchvision: pip install 'ganedge[train]'") from None
    try:
        FashionMNIST(str(CACHE_DIR), train=True, download=True)
        FashionMNIST(str(CACHE_DIR), train=False, download=True)
    except Exception as error:  # network errors come in many types
        raise TrainError(f"downloading FashionMNIST failed ({error}); {HOW_TO_GET}") from None
    return CACHE_DIR / "FashionMNIST" / "raw"


def _read_checked(folder: Path, name: str) -> tuple[np.ndarray, str]:
    path = folder / f"{name}.gz"
    try:
        raw = gzip.decompress(path.read_bytes()) if path.is_file() else (folder / name).read_bytes()
    except (OSError, EOFError, gzip.BadGzipFile) as error:
        raise TrainError(f"cannot read {path}: {error}; {HOW_TO_GET}") from None
    digest = hashlib.md5(raw).hexdigest()
    if digest != PAYLOAD_MD5[name]:
        raise TrainError(
            f"{path} is corrupt or not FashionMNIST (MD5 of its content {digest}, expected "
            f"{PAYLOAD_MD5[name]}); {HOW_TO_GET}"
        )
    return read_idx(raw), digest


def load_split(split: str = "train", data_dir: Path | None = None, download: bool = False) -> Split:
    """Read and verify one split of FashionMNIST.

    Examples
    --------
    >>> train = load_split("train")          # doctest: +SKIP
    >>> train.images.shape, train.labels.shape
    ((60000, 28, 28), (60000,))
    """
    if split not in SPLIT_FILES:
        raise TrainError(f"unknown split {split!r}; use 'train' or 'test'")
    folder = find_data_dir(data_dir, download)
    images_name, labels_name = SPLIT_FILES[split]
    images, images_md5 = _read_checked(folder, images_name)
    labels, labels_md5 = _read_checked(folder, labels_name)
    return Split(images, labels, folder, {images_name: images_md5, labels_name: labels_md5})
