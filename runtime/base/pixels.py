"""The pixel mapping, both ways: generator values in [-1, 1] <-> uint8 pixels 0..255.

The generator ends in tanh and trains on FashionMNIST scaled to [-1, 1], so
``value = pixel / 127.5 - 1`` feeds real images to training and to the
classifier, and ``pixel = clip(round((value + 1) * 127.5), 0, 255)`` turns
generated images into the pixels a PNG shows. Both directions live here so
training, export, the runtime and the measuring tools agree to the bit.
"""

from __future__ import annotations

import numpy as np

from .errors import GanRuntimeError

VALUE_RANGE = (-1.0, 1.0)
PIXEL_MAPPING = "uint8 = clip(round((value + 1) * 127.5), 0, 255)"
PIXEL_SCALE = 127.5  # 255 / (high - low) for the range (-1, 1)


def to_uint8(images: np.ndarray, value_range: tuple[float, float] = VALUE_RANGE) -> np.ndarray:
    """Map float images to uint8 pixels: ``clip(round((v - low) / (high - low) * 255), 0, 255)``.

    For the generator's tanh range (-1, 1) that is ``round((v + 1) * 127.5)``,
    the mapping the exporter records in the model's metadata. A channel axis of
    size 1 (``[..., 1, H, W]`` with at least 4 dimensions) is dropped; a 3-D
    array is read as ``[n, H, W]``. NaN becomes ``low`` (pixel 0).

    Parameters
    ----------
    images : np.ndarray
        Float images ``[..., 1, H, W]`` or ``[..., H, W]``.
    value_range : tuple of float
        ``(low, high)``: the values that map to pixels 0 and 255.

    Returns
    -------
    np.ndarray
        uint8 ``[..., H, W]``.

    Examples
    --------
    >>> to_uint8(np.array([[[-1.0, 0.0, 1.0]]], dtype=np.float32))
    array([[[  0, 128, 255]]], dtype=uint8)
    """
    low, high = (float(v) for v in value_range)
    if not high > low:
        raise GanRuntimeError(f"value_range must have low < high, got {value_range!r}")
    values = np.asarray(images)
    if values.ndim >= 4 and values.shape[-3] == 1:
        values = values[..., 0, :, :]
    # float32 arithmetic in one scratch array (the generator's output is float32, so float64 would
    # add no precision, only time; see docs/decisions.md).
    scaled = np.subtract(values, low, dtype=np.float32)
    np.nan_to_num(scaled, copy=False, nan=0.0)
    scaled *= np.float32(255.0 / (high - low))
    np.rint(scaled, out=scaled)
    np.clip(scaled, 0, 255, out=scaled)
    return scaled.astype(np.uint8)


def pixels_to_values(pixels: np.ndarray) -> np.ndarray:
    """uint8 pixels (any shape) -> float32 values in [-1, 1]: ``pixel / 127.5 - 1``.

    The inverse of :func:`to_uint8` on the pixel grid: ``to_uint8(pixels_to_values(p)) == p``.

    Examples
    --------
    >>> pixels_to_values(np.array([0, 128, 255], dtype=np.uint8)).tolist()
    [-1.0, 0.003921627998352051, 1.0]
    """
    values = np.asarray(pixels)
    if values.dtype != np.uint8:
        raise GanRuntimeError(f"pixels must be uint8, got {values.dtype}")
    return values.astype(np.float32) / np.float32(PIXEL_SCALE) - np.float32(1.0)
