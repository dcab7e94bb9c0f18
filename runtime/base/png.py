"""PNG files from uint8 pixels with zlib alone: grayscale (``[H, W]``) or RGB (``[H, W, 3]``).

Pillow draws ganedge's text, but its first PNG save imports a handful of
image plugins (about 18 ms, a tenth of ``gan-run``'s cold start;
docs/decisions.md). A PNG is a signature and three chunks, so ganedge writes
them itself: every row unfiltered, deflated at level 6, no timestamp, so the
same pixels always give the same bytes.
"""

from __future__ import annotations

import struct
import zlib

import numpy as np

from .errors import GanRuntimeError

SIGNATURE = b"\x89PNG\r\n\x1a\n"
COLOR_TYPES = {2: 0, 3: 2}  # array dimensions -> PNG colour type: 0 grayscale, 2 RGB
COMPRESSION = 6


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def encode_png(pixels: np.ndarray) -> bytes:
    """The PNG file of uint8 ``pixels``, ``[H, W]`` (grayscale) or ``[H, W, 3]`` (RGB).

    Examples
    --------
    >>> data = encode_png(np.zeros((2, 3), np.uint8))
    >>> data[:8] == SIGNATURE, data[-12:-4]
    (True, b'\\x00\\x00\\x00\\x00IEND')
    """
    image = np.ascontiguousarray(pixels)
    if image.dtype != np.uint8 or image.ndim not in COLOR_TYPES or (image.ndim == 3 and image.shape[2] != 3) \
            or 0 in image.shape[:2]:
        raise GanRuntimeError(f"a PNG needs uint8 [H, W] or [H, W, 3] pixels, got {image.dtype} {list(image.shape)}")
    height, width = image.shape[:2]
    rows = np.zeros((height, 1 + image[0].size), np.uint8)  # each row: filter byte 0 (none), then its pixels
    rows[:, 1:] = image.reshape(height, -1)
    header = struct.pack(">IIBBBBB", width, height, 8, COLOR_TYPES[image.ndim], 0, 0, 0)
    return (SIGNATURE + _chunk(b"IHDR", header) + _chunk(b"IDAT", zlib.compress(rows.tobytes(), COMPRESSION))
            + _chunk(b"IEND", b""))
