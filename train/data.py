"""FashionMNIST for training: found locally or downloaded, checked, held in memory.

Why not torchvision's ``FashionMNIST`` + ``DataLoader``: its per-sample PIL
transforms cost more than the whole training step on this model. The split is
60,000 x 784 bytes, so it lives in memory as one tensor and is batched by index.

Where the files come from, in order: ``--data-dir`` when given; else the Debian
package ``dataset-fashion-mnist`` (``/usr/share/datasets/fashion-mnist``); else a
previous download in the cache; else torchvision's download when the user
passes ``--download``. Reading and checksums live in the runtime's
:mod:`ganedge.runtime.base.dataset` (numpy only), shared with ``gan-eval``.
"""

from __future__ import annotations

from pathlib import Path

from ganedge.runtime.base import dataset
from ganedge.runtime.base.dataset import Split
from ganedge.runtime.base.errors import DatasetError


def find_data_dir(data_dir: Path | None = None, download: bool = False) -> Path:
    """The folder to read from, following the order in the module docstring.

    Examples
    --------
    >>> find_data_dir()
    PosixPath('/usr/share/datasets/fashion-mnist')
    """
    found = dataset.find_local_data_dir(data_dir)
    if found is None and download:
        return _download_with_torchvision()
    return dataset.find_data_dir(data_dir) if found is None else found


def _download_with_torchvision() -> Path:
    try:
        from torchvision.datasets import FashionMNIST
    except ImportError:
        raise DatasetError("--download needs torchvision: pip install 'ganedge[train]'") from None
    try:
        FashionMNIST(str(dataset.CACHE_DIR), train=True, download=True)
        FashionMNIST(str(dataset.CACHE_DIR), train=False, download=True)
    except Exception as error:  # network errors come in many types
        raise DatasetError(f"downloading FashionMNIST failed ({error}); {dataset.HOW_TO_GET}") from None
    return dataset.CACHE_DIR / "FashionMNIST" / "raw"


def load_split(split: str = "train", data_dir: Path | None = None, download: bool = False) -> Split:
    """Find, read and verify one split of FashionMNIST.

    Examples
    --------
    >>> train = load_split("train")
    >>> train.images.shape, train.labels.shape
    ((60000, 28, 28), (60000,))
    """
    return dataset.read_split(find_data_dir(data_dir, download), split)
