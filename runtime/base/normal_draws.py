"""numpy's ``default_rng(seed).standard_normal(count, dtype=np.float32)``, the same numbers, without ``numpy.random``.

Why: ``gan-run`` draws its 8 x 100 latents once per process, and importing
``numpy.random`` for them (its bit generators, the legacy ``RandomState``,
their Cython modules) cost more time and memory than drawing them here
(figures in docs/decisions.md, "Cold start"). The seed contract stays
numpy's: :func:`~ganedge.runtime.generator.latents.sample_latents` returns
numpy's numbers whichever way they are drawn, and the tests compare the two
over hundreds of thousands of draws, every rare path included.

What numpy (>= 1.21, where the tail's ``log1pf`` arrived) does, step by step:

1. ``SeedSequence(seed)`` hashes the seed's 32-bit words into a pool of four
   (Melissa O'Neill's ``seed_seq`` design) and draws four 64-bit words from it.
2. ``PCG64`` (O'Neill's 128-bit LCG with the XSL-RR output) is seeded with
   two of them as the state and two as the stream; ``float32`` draws take
   each 64-bit output in two halves, the low one first.
3. ``standard_normal`` for ``float32`` is Marsaglia and Tsang's ziggurat with
   256 layers (J. Stat. Software 5(8), 2000): one 32-bit draw gives the layer,
   the sign and 23 bits of magnitude; 99% are accepted at once, the rest go
   to the wedge test (``exp`` in double precision) or, under the base layer,
   to the tail (float ``log1pf`` from the C library, reached with ``ctypes``).

The tables are computed here from the ziggurat's two constants; they equal
numpy's, entry for entry (checked against numpy 2.4.6's header; the tests pin
a few entries and compare draws). Bit for bit as verified on Linux x86-64
(numpy's wheels built with GCC, which keeps each float operation rounded); a
numpy whose compiler fuses the wedge's multiply-add has not been checked.
"""

from __future__ import annotations

import math
import struct
from functools import lru_cache
from typing import Callable, Iterator

import numpy as np

MASK32 = 0xFFFF_FFFF
MASK64 = (1 << 64) - 1
MASK128 = (1 << 128) - 1
PCG64_MULTIPLIER = 0x2360_ED05_1FC6_5DA4_4385_DF64_9FCC_F645  # O'Neill's default 128-bit multiplier

# SeedSequence's hash constants (O'Neill's seed_seq_fe, as numpy uses them).
POOL_SIZE = 4
INIT_A, MULT_A = 0x43B0_D7E5, 0x931E_8875
INIT_B, MULT_B = 0x8B51_F9DD, 0x58F3_8DED
MIX_MULT_L, MIX_MULT_R = 0xCA01_F9DD, 0x4973_F715

ZIGGURAT_LAYERS = 256
ZIGGURAT_R = 3.6541528853610088  # where the tail starts
ZIGGURAT_V = 4.92867323399e-3  # the area of each layer
MAGNITUDE_SCALE = 2.0**23  # float32 draws carry 23 bits of magnitude
UNIFORM_SCALE = 1.0 / 2**24  # float32 uniforms are the top 24 bits of a draw


def as_float32(value: float) -> float:
    """``value`` rounded to the nearest float32 (as a Python float): C's ``(float)`` cast.

    Exact for float32 arithmetic: a sum, difference or product of two float32
    numbers computed in double and then rounded equals the float32 operation.

    Examples
    --------
    >>> as_float32(0.1)
    0.10000000149011612
    """
    result: float = struct.unpack("f", struct.pack("f", value))[0]
    return result


def _hashmix(value: int, hash_const: int) -> tuple[int, int]:
    value = (value ^ hash_const) & MASK32
    hash_const = (hash_const * MULT_A) & MASK32
    value = (value * hash_const) & MASK32
    return value ^ (value >> 16), hash_const


def _mix(x: int, y: int) -> int:
    result = (MIX_MULT_L * x - MIX_MULT_R * y) & MASK32
    return result ^ (result >> 16)


def seed_words(seed: int, count: int) -> list[int]:
    """``SeedSequence(seed).generate_state(count)``: ``count`` 32-bit words derived from ``seed`` (>= 0).

    Examples
    --------
    >>> len(seed_words(0, 8)), max(seed_words(0, 8)) < 2**32
    (8, True)
    """
    entropy = [0] if seed == 0 else [(seed >> shift) & MASK32 for shift in range(0, seed.bit_length(), 32)]
    hash_const = INIT_A
    pool = []
    for i in range(POOL_SIZE):
        word, hash_const = _hashmix(entropy[i] if i < len(entropy) else 0, hash_const)
        pool.append(word)
    for source in range(POOL_SIZE):
        for target in range(POOL_SIZE):
            if source != target:
                word, hash_const = _hashmix(pool[source], hash_const)
                pool[target] = _mix(pool[target], word)
    for source in range(POOL_SIZE, len(entropy)):
        for target in range(POOL_SIZE):
            word, hash_const = _hashmix(entropy[source], hash_const)
            pool[target] = _mix(pool[target], word)
    hash_const = INIT_B
    words = []
    for i in range(count):
        word = (pool[i % POOL_SIZE] ^ hash_const) & MASK32
        hash_const = (hash_const * MULT_B) & MASK32
        word = (word * hash_const) & MASK32
        words.append(word ^ (word >> 16))
    return words


def pcg64_seeded(seed: int) -> tuple[int, int]:
    """The 128-bit ``(state, increment)`` of ``numpy.random.PCG64(seed)`` before its first draw.

    Examples
    --------
    >>> state, increment = pcg64_seeded(0)
    >>> increment % 2, state < 2**128
    (1, True)
    """
    words = seed_words(seed, 8)
    high_low = [words[2 * i] | (words[2 * i + 1] << 32) for i in range(4)]
    initial_state = (high_low[0] << 64) | high_low[1]
    increment = (((high_low[2] << 64) | high_low[3]) << 1 | 1) & MASK128
    state = (increment + initial_state) & MASK128  # one step from 0, then the seed added
    return (state * PCG64_MULTIPLIER + increment) & MASK128, increment


@lru_cache(maxsize=1)
def ziggurat_tables() -> tuple[tuple[int, ...], tuple[float, ...], tuple[float, ...]]:
    """The float32 ziggurat's ``(k, w, f)``: acceptance bounds, layer widths / 2**23, densities at the layer edges.

    Marsaglia and Tsang's construction, from the outermost layer inwards;
    ``w`` and ``f`` are rounded to float32 and ``k`` to the nearest whole number,
    as numpy's tables are.

    Examples
    --------
    >>> k, w, f = ziggurat_tables()
    >>> len(k), k[1], f[0]
    (256, 0, 1.0)
    """
    edge = ZIGGURAT_R
    base_width = ZIGGURAT_V / math.exp(-0.5 * edge * edge)  # the base layer, tail included, as a rectangle
    k = [0] * ZIGGURAT_LAYERS
    w = [0.0] * ZIGGURAT_LAYERS
    f = [0.0] * ZIGGURAT_LAYERS
    k[0] = round(edge / base_width * MAGNITUDE_SCALE)
    w[0], w[-1] = base_width / MAGNITUDE_SCALE, edge / MAGNITUDE_SCALE
    f[0], f[-1] = 1.0, math.exp(-0.5 * edge * edge)
    for layer in range(ZIGGURAT_LAYERS - 2, 0, -1):
        inner = math.sqrt(-2.0 * math.log(ZIGGURAT_V / edge + math.exp(-0.5 * edge * edge)))
        k[layer + 1] = round(inner / edge * MAGNITUDE_SCALE)
        edge = inner
        f[layer] = math.exp(-0.5 * edge * edge)
        w[layer] = edge / MAGNITUDE_SCALE
    return tuple(k), tuple(as_float32(value) for value in w), tuple(as_float32(value) for value in f)


@lru_cache(maxsize=1)
def c_log1pf() -> Callable[[float], float] | None:
    """The C library's float ``log1pf``, the one numpy's tail calls; ``None`` where ``ctypes`` cannot reach it.

    Only that function gives numpy's numbers: it is not correctly rounded, so
    rounding a double ``log1p`` to float32 differs from it on 7% of inputs.
    """
    try:
        import ctypes  # deferred: the first tail comes about one number in 4,000

        function = ctypes.CDLL(None).log1pf
    except (ImportError, OSError, AttributeError, TypeError):  # no ctypes, no C library, no log1pf in it
        return None
    function.restype = ctypes.c_float
    function.argtypes = [ctypes.c_float]
    result: Callable[[float], float] = function
    return result


def python_draw_available() -> bool:
    """Whether :func:`standard_normal_float32` can run here: it needs the C library's ``log1pf`` (for the tail).

    Examples
    --------
    >>> python_draw_available()   # Linux, macOS and other POSIX systems
    True
    """
    return c_log1pf() is not None


def pcg64_words(seed: int) -> Iterator[int]:
    """The 32-bit draws of ``numpy.random.PCG64(seed)`` (``random_raw`` split in halves, the low one first), endlessly.

    Examples
    --------
    >>> words = pcg64_words(0)
    >>> all(next(words) < 2**32 for _ in range(4))
    True
    """
    state, increment = pcg64_seeded(seed)
    while True:
        state = (state * PCG64_MULTIPLIER + increment) & MASK128
        folded = ((state >> 64) ^ state) & MASK64
        rotation = state >> 122
        word = ((folded >> rotation) | (folded << (64 - rotation))) & MASK64
        yield word & MASK32
        yield word >> 32


def standard_normal_float32(seed: int, count: int) -> np.ndarray:
    """``numpy.random.default_rng(seed).standard_normal(count, dtype=np.float32)``, computed in Python.

    For the small draws of a command, where importing ``numpy.random`` costs
    more. Needs :func:`python_draw_available`.

    Examples
    --------
    >>> standard_normal_float32(0, 3).dtype
    dtype('float32')
    """
    k, w, f = ziggurat_tables()
    words = pcg64_words(seed)
    values: list[float] = []
    while len(values) < count:
        bits = next(words)
        layer = bits & 0xFF
        magnitude = bits >> 9
        x = magnitude * w[layer]  # exact in double; rounded to float32 with the rest at the end
        if (bits >> 8) & 1:
            x = -x
        if magnitude < k[layer]:
            values.append(x)
        elif layer == 0:
            values.append(_tail(words, magnitude))
        else:
            x = as_float32(x)
            uniform = (next(words) >> 8) * UNIFORM_SCALE
            height = as_float32(as_float32(as_float32(f[layer - 1] - f[layer]) * uniform) + f[layer])
            if height < math.exp(-0.5 * x * x):
                values.append(x)
    return np.array(values, dtype=np.float64).astype(np.float32)


def _tail(words: Iterator[int], magnitude: int) -> float:
    """A value beyond the ziggurat's edge (Marsaglia's tail method), as numpy computes it in float32."""
    log1pf = c_log1pf()
    if log1pf is None:
        raise RuntimeError("the Python draw needs the C library's log1pf; check python_draw_available() first")
    edge = as_float32(ZIGGURAT_R)
    inverse_edge = as_float32(1.0 / ZIGGURAT_R)
    while True:
        xx = as_float32(-inverse_edge * log1pf(-((next(words) >> 8) * UNIFORM_SCALE)))
        yy = -log1pf(-((next(words) >> 8) * UNIFORM_SCALE))
        if as_float32(yy + yy) > as_float32(xx * xx):
            value = as_float32(edge + xx)
            return -value if (magnitude >> 8) & 1 else value
