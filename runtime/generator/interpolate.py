"""Paths through latent space, frame by frame: a latent number swept, a SeFa direction walked, a loop through seeds.

Latents are standard normal, so in 100 dimensions they live near the sphere
of radius ``sqrt(100) = 10``. A straight line between two of them (lerp)
cuts through the inside: its midpoint has norm ``~10 / sqrt(2) = 7.1``, a
latent the generator almost never saw in training. Spherical interpolation
(:func:`slerp`; Shoemake 1985, proposed for GANs by White, "Sampling
Generative Networks", 2016) follows the great circle instead and keeps the
norm; ``ganedge.runtime.measure.interpolation`` measures the difference.

Each path is a list of :class:`Frame` (the latents of one picture and its
label); ``gan-animate`` draws one labelled row per frame. Latent numbers and
directions count from 1, as everywhere in ganedge.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np

from ..base.edit_values import check_values
from ..base.errors import GanRuntimeError
from ..base.whole_numbers import is_whole_number
from .latents import latent_index

PARALLEL = 1e-6  # sin(angle) below this: the two latents are parallel (slerp is lerp) or antiparallel


@dataclass(frozen=True)
class Frame:
    """One frame of an animation: its latents ``[n, latent_dim]`` and the label drawn beside them."""

    latents: np.ndarray
    label: str


def lerp(a: np.ndarray, b: np.ndarray, t: float | np.ndarray) -> np.ndarray:
    """Linear interpolation ``a + t (b - a)`` of rows; ``t`` a number or one per row.

    Examples
    --------
    >>> lerp(np.zeros((1, 2)), np.ones((1, 2)), 0.25).tolist()
    [[0.25, 0.25]]
    """
    a64, b64 = np.asarray(a, np.float64), np.asarray(b, np.float64)
    t64 = _per_row(t, a64)
    return (a64 + t64 * (b64 - a64)).astype(np.result_type(a, b, np.float32))


def slerp(a: np.ndarray, b: np.ndarray, t: float | np.ndarray) -> np.ndarray:
    """Spherical interpolation of rows: along the great circle from ``a`` (``t=0``) to ``b`` (``t=1``).

    ``sin((1 - t) w) / sin(w) * a + sin(t w) / sin(w) * b`` with ``w`` the
    angle between the rows; the norm moves smoothly from ``|a|`` to ``|b|``
    (it stays ``|a|`` when the two are equal). For parallel rows (and zero
    rows) the arc shrinks to a line: there it is :func:`lerp`, its limit.
    Antiparallel rows have a great circle in every plane through them (and
    lerp would pass through zero); there it takes the one through a unit
    vector orthogonal to ``a``, the same for the same rows
    (:func:`_half_turn`), its norm moving linearly from ``|a|`` to ``|b|``,
    so it too stays ``|a|`` when the two are equal. Computed in float64.

    Parameters
    ----------
    a, b : np.ndarray
        ``[n, d]`` (or ``[d]``), the same shape.
    t : float or np.ndarray
        One number, or one per row ``[n]``.

    Examples
    --------
    >>> a, b = np.array([[10.0, 0.0]]), np.array([[0.0, 10.0]])
    >>> slerp(a, b, 0.5).round(3).tolist(), lerp(a, b, 0.5).tolist()
    ([[7.071, 7.071]], [[5.0, 5.0]])
    >>> slerp(a, -a, 0.5).round(3).tolist()  # antiparallel: a quarter turn, not lerp's zero
    [[0.0, 10.0]]
    """
    a64, b64 = np.asarray(a, np.float64), np.asarray(b, np.float64)
    if a64.shape != b64.shape or a64.ndim not in (1, 2):
        raise GanRuntimeError(f"slerp needs two latents of the same shape [n, d], got {list(a64.shape)} and "
                              f"{list(b64.shape)}")
    t64 = _per_row(t, a64)
    norms = np.linalg.norm(a64, axis=-1, keepdims=True) * np.linalg.norm(b64, axis=-1, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        cosine = np.clip(np.sum(a64 * b64, axis=-1, keepdims=True) / norms, -1.0, 1.0)
    cosine = np.nan_to_num(cosine, nan=1.0)  # a zero row: no angle
    angle = np.arccos(cosine)
    sine = np.sin(angle)
    curved = sine > PARALLEL
    safe = np.where(curved, sine, 1.0)
    wa = np.where(curved, np.sin((1 - t64) * angle) / safe, 1 - t64)
    wb = np.where(curved, np.sin(t64 * angle) / safe, t64)
    result = wa * a64 + wb * b64
    opposite = ~curved & (cosine < 0)
    if np.any(opposite) and a64.shape[-1] > 1:  # one number has no orthogonal direction: lerp it stays
        result = np.where(opposite, _half_turn(a64, b64, t64), result)
    return result.astype(np.result_type(a, b, np.float32))


def _half_turn(a: np.ndarray, b: np.ndarray, t: np.ndarray) -> np.ndarray:
    """Antiparallel rows ``a`` -> ``b`` (float64, ``d >= 2``): half a great circle through ``o``, orthogonal to ``a``.

    ``o`` is the axis on which ``a`` is smallest, made orthogonal to ``a``
    and of unit length: the same rows always take the same turn. The
    direction turns by ``pi t`` from ``a``'s (``t=0``) to ``b``'s
    (``t=1``), and the norm moves linearly from ``|a|`` to ``|b|``. Rows
    that are not antiparallel get a meaningless (finite) value, which the
    caller discards.
    """
    norm_a = np.linalg.norm(a, axis=-1, keepdims=True)
    norm_b = np.linalg.norm(b, axis=-1, keepdims=True)
    unit = a / np.where(norm_a > 0, norm_a, 1.0)
    axis = np.argmin(np.abs(unit), axis=-1)[..., None]
    orthogonal = (np.arange(a.shape[-1]) == axis).astype(np.float64) - np.take_along_axis(unit, axis, axis=-1) * unit
    orthogonal /= np.linalg.norm(orthogonal, axis=-1, keepdims=True)  # >= sqrt(1 - 1/d) > 0
    norm = (1 - t) * norm_a + t * norm_b
    turn = np.pi * t
    toward_a = np.maximum(np.cos(turn), 0.0) * norm / np.where(norm_a > 0, norm_a, 1.0)
    toward_b = np.maximum(-np.cos(turn), 0.0) * norm / np.where(norm_b > 0, norm_b, 1.0)
    return toward_a * a + toward_b * b + np.sin(turn) * norm * orthogonal


def _per_row(t: float | np.ndarray, rows: np.ndarray) -> np.ndarray:
    t64 = np.asarray(t, np.float64)
    if t64.ndim == 1 and rows.ndim == 2 and len(t64) == len(rows):
        return t64[:, None]
    if t64.ndim != 0:
        raise GanRuntimeError(f"t must be one number or one per row ({len(rows)}), got shape {list(t64.shape)}")
    return t64


def format_position(value: float) -> str:
    """A frame's value, as short as two decimals allow: ``-3.2203`` -> ``"-3.22"``, ``0.5`` -> ``"0.5"``.

    Examples
    --------
    >>> [format_position(v) for v in (-3.2203, 0.5, 10.0, -0.001)]
    ['-3.22', '0.5', '10', '0']
    """
    return f"{round(float(value), 2) + 0.0:g}"  # + 0.0 turns -0.0 into 0.0


def sweep_values(start: float, end: float, frames: int) -> np.ndarray:
    """``frames`` evenly spaced values from ``start`` to ``end``, both included.

    Examples
    --------
    >>> sweep_values(-10, 10, 5).tolist()
    [-10.0, -5.0, 0.0, 5.0, 10.0]
    """
    start, end = check_values([start, end])
    if not is_whole_number(frames, 2):
        raise GanRuntimeError(f"an animation needs at least 2 frames, got {frames!r}")
    return np.linspace(start, end, int(frames))


def perturb_frames(latents: np.ndarray, number: int, start: float, end: float, frames: int) -> list[Frame]:
    """Latent number ``number`` (1-based) set to each of ``frames`` values from ``start`` to ``end``, in all latents.

    Examples
    --------
    >>> frames = perturb_frames(np.zeros((8, 100), np.float32), 71, -10, 10, 3)
    >>> [frame.label for frame in frames], float(frames[0].latents[0, 70])
    (['#71 = -10', '#71 = 0', '#71 = 10'], -10.0)
    """
    z = np.asarray(latents, dtype=np.float32)
    index = latent_index(number, z.shape[1])
    result = []
    for value in sweep_values(start, end, frames):
        row = z.copy()
        row[:, index] = value
        result.append(Frame(row, f"#{number} = {format_position(value)}"))
    return result


def direction_frames(latents: np.ndarray, direction: np.ndarray, number: int, start: float, end: float,
                     frames: int) -> list[Frame]:
    """SeFa's additive walk ``z + v * direction`` for ``frames`` values ``v`` from ``start`` to ``end``.

    Examples
    --------
    >>> frames = direction_frames(np.zeros((8, 2), np.float32), np.array([1.0, 0.0]), 1, 0, 1, 3)
    >>> [frame.label for frame in frames], frames[1].latents[0].tolist()
    (['dir 1 = 0', 'dir 1 = 0.5', 'dir 1 = 1'], [0.5, 0.0])
    """
    z = np.asarray(latents, dtype=np.float32)
    d = np.asarray(direction, dtype=np.float32)
    if z.ndim != 2 or d.shape != (z.shape[1],):
        raise GanRuntimeError(f"a direction must have the latent size: latents {list(z.shape)}, "
                              f"direction {list(d.shape)}")
    return [Frame(z + np.float32(value) * d, f"dir {number} = {format_position(value)}")
            for value in sweep_values(start, end, frames)]


def loop_frames(keyframes: Sequence[np.ndarray], names: Sequence[object], frames: int) -> list[Frame]:
    """A closed loop through ``keyframes`` (latents ``[n, d]`` each) and back to the first, by :func:`slerp`.

    The ``frames`` frames (at least one per keyframe, so none is skipped)
    are spread evenly over the loop's segments, the first frame is
    keyframe 1 exactly and the last comes just before it again, so the
    animation repeats without a stutter. Labels read
    ``"seed 0 -> 1, t = 0.25"`` (``names`` name the keyframes).

    Examples
    --------
    >>> keys = [np.full((1, 2), 1.0), np.full((1, 2), 2.0)]
    >>> [frame.label for frame in loop_frames(keys, [0, 1], 4)]
    ['seed 0 -> 1, t = 0', 'seed 0 -> 1, t = 0.5', 'seed 1 -> 0, t = 0', 'seed 1 -> 0, t = 0.5']
    """
    count = len(keyframes)
    if count < 2 or len(names) != count:
        raise GanRuntimeError(f"a loop needs at least 2 keyframes, each with a name; got {count} and "
                              f"{len(names)} names")
    if not is_whole_number(frames, 2):
        raise GanRuntimeError(f"an animation needs at least 2 frames, got {frames!r}")
    if frames < count:
        raise GanRuntimeError(f"{frames} frames cannot pass through {count} keyframes; a loop needs at least one "
                              "frame per keyframe")
    keys = [np.asarray(key, dtype=np.float32) for key in keyframes]
    result = []
    for frame in range(int(frames)):
        position = frame * count / frames
        segment = min(int(position), count - 1)
        t = position - segment
        following = (segment + 1) % count
        label = f"seed {names[segment]} -> {names[following]}, t = {format_position(t)}"
        result.append(Frame(slerp(keys[segment], keys[following], t), label))
    return result
