"""Latent vectors: sampling them and the report's perturbation experiment.

Latent numbers count from 1 to the latent size, as the report does ("the 71st
number" is index 70 of a 0-based array). Only :func:`latent_index` turns a
number into an array index; everything else speaks in numbers.
"""

from __future__ import annotations

import math
from typing import Sequence

import numpy as np

from ..base.errors import GanRuntimeError

UNMODIFIED_LABEL = "random z"


def sample_latents(n: int, seed: int, latent_dim: int) -> np.ndarray:
    """Draw ``n`` latent vectors from the standard normal, reproducibly.

    The same ``(n, seed, latent_dim)`` always gives the same array, and the
    first rows of a larger ``n`` equal a smaller ``n`` with the same seed.

    Parameters
    ----------
    n : int
        How many vectors, >= 1.
    seed : int
        Seed of numpy's default generator (PCG64), >= 0.
    latent_dim : int
        Numbers per vector (100 for the report's generator).

    Returns
    -------
    np.ndarray
        float32 ``[n, latent_dim]``.

    Examples
    --------
    >>> sample_latents(8, seed=0, latent_dim=100).shape
    (8, 100)
    """
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
        raise GanRuntimeError(f"the number of latents must be a whole number >= 1, got {n!r}")
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise GanRuntimeError(f"the seed must be a whole number >= 0, got {seed!r}")
    rng = np.random.default_rng(int(seed))
    return rng.standard_normal((int(n), int(latent_dim)), dtype=np.float32)


def latent_index(number: int, latent_dim: int) -> int:
    """The 0-based array index of latent number ``number`` (counted from 1, as in the report).

    Raises
    ------
    GanRuntimeError
        If ``number`` is not a whole number in ``1..latent_dim``.

    Examples
    --------
    >>> latent_index(71, latent_dim=100)
    70
    """
    if isinstance(number, bool) or not isinstance(number, (int, np.integer)) or not 1 <= number <= latent_dim:
        raise GanRuntimeError(
            f"latent number {number!r} is out of range: numbers count from 1 to {latent_dim} (the latent size)"
        )
    return int(number) - 1


def check_values(values: Sequence[float]) -> tuple[float, ...]:
    """The values to try, as floats; reject none, NaN, infinity and duplicates.

    Examples
    --------
    >>> check_values([-10, 10, 100])
    (-10.0, 10.0, 100.0)
    """
    checked = tuple(float(v) for v in values)
    if not checked:
        raise GanRuntimeError("give at least one value to set the latent number to")
    bad = [v for v in checked if not math.isfinite(v)]
    if bad:
        raise GanRuntimeError(f"values must be finite numbers, got {format_value(bad[0])}")
    if len(set(checked)) != len(checked):
        raise GanRuntimeError(f"values must not repeat, got {', '.join(format_value(v) for v in checked)}")
    return checked


def perturb_latents(latents: np.ndarray, number: int, values: Sequence[float]) -> list[np.ndarray]:
    """The report's experiment: set latent number ``number`` to each value, in every vector at once.

    ``number`` counts from 1 to the latent size (``71`` is the 71st number,
    index 70). Returns one batch per value, each a copy of ``latents`` with
    that one number overwritten; ``latents`` itself is left unchanged.

    Parameters
    ----------
    latents : np.ndarray
        float32 ``[n, latent_dim]``.
    number : int
        Which latent number to change, 1-based.
    values : sequence of float
        The values to set it to, finite and distinct.

    Returns
    -------
    list of np.ndarray
        ``len(values)`` arrays shaped like ``latents``.

    Examples
    --------
    >>> z = sample_latents(8, seed=0, latent_dim=100)
    >>> rows = perturb_latents(z, 71, [-10, 10, 100])
    >>> [float(row[0, 70]) for row in rows]
    [-10.0, 10.0, 100.0]
    """
    latents = np.asarray(latents, dtype=np.float32)
    if latents.ndim != 2:
        raise GanRuntimeError(f"latents must be [n, latent_dim], got shape {list(latents.shape)}")
    index = latent_index(number, latents.shape[1])
    rows = []
    for value in check_values(values):
        row = latents.copy()
        row[:, index] = value
        rows.append(row)
    return rows


def experiment_rows(
    latents: np.ndarray, perturbations: Sequence[tuple[int, Sequence[float]]]
) -> tuple[list[np.ndarray], list[str]]:
    """The latent rows and labels of a whole grid, as the report lays it out.

    With no perturbations: one row, ``latents`` itself, labelled ``"random z"``.
    For each ``(number, values)``: the unmodified row, then one row per value
    labelled ``"#number = value"`` (``number`` counts from 1, as in the report).

    Examples
    --------
    >>> z = sample_latents(8, seed=0, latent_dim=100)
    >>> rows, labels = experiment_rows(z, [(71, [-10, 10, 100])])
    >>> labels
    ['random z', '#71 = -10', '#71 = 10', '#71 = 100']
    """
    rows, labels = [latents], [UNMODIFIED_LABEL]
    for position, (number, values) in enumerate(perturbations):
        if position > 0:
            rows.append(latents)
            labels.append(UNMODIFIED_LABEL)
        rows.extend(perturb_latents(latents, number, values))
        labels.extend(perturb_label(number, value) for value in check_values(values))
    return rows, labels


def format_value(value: float) -> str:
    """A value as a person typed it: ``-10.0`` -> ``"-10"``, ``0.5`` -> ``"0.5"``.

    Examples
    --------
    >>> format_value(-10.0)
    '-10'
    """
    text = f"{float(value):g}"
    return text if float(text) == float(value) else repr(float(value))


def perturb_label(number: int, value: float) -> str:
    """The row label of latent number ``number`` (1-based) set to ``value``.

    Examples
    --------
    >>> perturb_label(71, -10.0)
    '#71 = -10'
    """
    return f"#{number} = {format_value(value)}"
