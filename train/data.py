"""FashionMNIST for training: found locally or downloaded, checked, held in memory.

Why not torchvision's ``FashionMNIST`` + ``DataLoader``: per-sample PIL
transforms cost about 3x the whole training step on this model. The split is
60,000 x 784 bytes, so it lives in memory as one tensor and is batched by index.

Where the files come from, in order: ``--data-dir`` when given; else the Debian
package ``dataset-fashion-mnist`` (``/usr/share/datasets/fashion-mnist``); else a
previous download in the cache; else torchvision's download when the user
passes ``--download``. Reading and checksums live in the runtime's
:mod:`ganedge.runtime.fashion_mnist` (numpy only), shared with ``gan-eval``.
"""

from __future__ import annotations

from pathlib import Path

from ganedge.runtime import fashion_mnist
from ganedge.runtime.fashion_mnist import CLASS_NAMES, PAYLOAD_MD5, DatasetError, Split, read_idx

from .errors import TrainError

__all__ = ["CLASS_NAMES", "PAYLOAD_MD5", "Split", "TrainError", "find_data_dir", "load_split", "read_idx"]


def find_data_dir(data_dir: Path | None = None, download: bool = False) -> Path:
    """The folder to read from, following the order in the module docstring."""
    try:
        found = fashion_mnist.find_local_data_dir(data_dir)
    except DatasetError as error:
        raise TrainError(str(error)) from None
    if found is not None:
        return found
    if download:
        return _download_with_torchvision()
    raise TrainError(
        f"FashionMNIST not found in {fashion_mnist.DEBIAN_DIR} or {fashion_mnist.CACHE_DIR}; {fashion_mnist.HOW_TO_GET}"
    )


def _download_with_torchvision() -> Path:
    try:
        from torchvision.datasets import FashionMNIST
    except ImportError:
        raise TrainError("--download needs torchvision: pip install 'ganedge[train]'") from None
    try:
        FashionMNIST(str(fashion_mnist.CACHE_DIR), train=True, download=True)
        FashionMNIST(str(fashion_mnist.CACHE_DIR), train=False, download=True)
    except Exception as error:  # network errors come in many types
        raise TrainError(f"downloading FashionMNIST failed ({error}); {fashion_mnist.HOW_TO_GET}") from None
    return fashion_mnist.CACHE_DIR / "FashionMNIST" / "raw"


def load_split(split: str = "train", data_dir: Path | None = None, download: bool = False) -> Split:
    """Find, read and verify one split of FashionMNIST.

    Examples
    --------
    >>> train = load_split("train")          # doctest: +SKIP
    >>> train.images.shape, train.labels.shape
    ((60000, 28, 28), (60000,))
    """
    folder = find_data_dir(data_dir, download)
    try:
        return fashion_mnist.read_split(folder, split)
    except DatasetError as error:
        raise TrainError(str(error)) from None
