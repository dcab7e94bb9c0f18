"""Latent vectors: sampling them and the report's perturbation experiment.

Latent numbers count from 1 to the latent size, as the report does ("the 71st
number" is index 70 of a 0-based array). Only :func:`latent_index` turns a
number into an array index; everything else speaks in numbers.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from typing import Sequence

import numpy as np

from ..base.edit_values import check_values, format_value
from ..base.errors import GanRuntimeError
from ..base.normal_draws import python_draw_available, standard_normal_float32
from ..base.whole_numbers import is_whole_number

UNMODIFIED_LABEL = "random z"
# Up to this many numbers in a process, drawing them in Python is cheaper than importing numpy.random;
# past it (a server, many seeds) numpy's speed wins. Both give numpy's numbers (docs/decisions.md, "Cold start").
PYTHON_DRAW_LIMIT = 10_000
# Numbers this process has drawn in Python so far. Threads may race on it and lose a count: the only effect is
# a few more Python draws, of the same numbers, so it takes no lock.
_drawn_in_python = 0


def sample_latents(n: int, seed: int, latent_dim: int) -> np.ndarray:
    """Draw ``n`` latent vectors from the standard normal, reproducibly.

    The same ``(n, seed, latent_dim)`` always gives the same array, and the
    first rows of a larger ``n`` equal a smaller ``n`` with the same seed:
    ``numpy.random.default_rng(seed).standard_normal((n, latent_dim), dtype=np.float32)``.
    A process's first 10,000 numbers are computed without importing
    ``numpy.random`` (:mod:`ganedge.runtime.base.normal_draws`), to the same numbers.

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
    if not is_whole_number(n, 1):
        raise GanRuntimeError(f"the number of latents must be a whole number >= 1, got {n!r}")
    if not is_whole_number(seed, 0):
        raise GanRuntimeError(f"the seed must be a whole number >= 0, got {seed!r}")
    if not is_whole_number(latent_dim, 1):
        raise GanRuntimeError(f"the latent size must be a whole number >= 1, got {latent_dim!r}")
    count = int(n) * int(latent_dim)
    check_fits_in_memory(count * 4, f"{int(n):,} latents")
    global _drawn_in_python
    if _drawn_in_python + count <= PYTHON_DRAW_LIMIT and "numpy.random" not in sys.modules and python_draw_available():
        _drawn_in_python += count
        return standard_normal_float32(int(seed), count).reshape(int(n), int(latent_dim))
    rng = np.random.default_rng(int(seed))
    return rng.standard_normal((int(n), int(latent_dim)), dtype=np.float32)


def check_fits_in_memory(nbytes: int, what: str) -> None:
    """Refuse an array larger than half this machine's memory with one line, before numpy tries (and the OS kills us).

    Examples
    --------
    >>> check_fits_in_memory(10**18, "10**16 latents")
    Traceback (most recent call last):
    ...
    ganedge.runtime.base.errors.GanRuntimeError: 10**16 latents need ... GiB, more than half of this machine's memory; work in smaller batches
    """
    try:
        available = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):  # not a POSIX system: let numpy decide
        return
    if nbytes > available // 2:
        raise GanRuntimeError(f"{what} need {nbytes / 2**30:,.1f} GiB, more than half of this machine's memory; "
                              "work in smaller batches")


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
    if not is_whole_number(number, 1, latent_dim):
        raise GanRuntimeError(
            f"latent number {number!r} is out of range: numbers count from 1 to {latent_dim} (the latent size)"
        )
    return int(number) - 1


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
    return [edit.apply(latents) for edit in perturb_edits([(number, values)], latents.shape[1])[1:]]


@dataclass(frozen=True)
class LatentEdit:
    """One row of the report's grid, as a recipe: leave the latents, overwrite one number, or walk a direction.

    ``index`` (0-based) set to ``value`` in every latent, or ``direction``
    added ``value`` times; neither: the latents unmodified. Applying edits
    one row at a time keeps a large grid's memory to one row of latents.

    Examples
    --------
    >>> edit = LatentEdit("#71 = -10", index=70, value=-10.0)
    >>> float(edit.apply(np.zeros((8, 100), np.float32))[0, 70])
    -10.0
    """

    label: str
    index: int | None = None
    direction: np.ndarray | None = None
    value: float = 0.0

    def apply(self, latents: np.ndarray) -> np.ndarray:
        """This row's latents from the unmodified ``latents`` (which stay unchanged)."""
        if self.index is not None:
            row = np.array(latents, dtype=np.float32)
            row[:, self.index] = self.value
            return row
        if self.direction is not None:
            return latents + np.float32(self.value) * self.direction
        return latents


UNMODIFIED = LatentEdit(UNMODIFIED_LABEL)


def perturb_edits(perturbations: Sequence[tuple[int, Sequence[float]]], latent_dim: int) -> list[LatentEdit]:
    """The rows of ``--perturb`` blocks: for each ``(number, values)`` the unmodified row, then one row per value.

    With no perturbations: the unmodified row alone. Numbers count from 1.

    Examples
    --------
    >>> [edit.label for edit in perturb_edits([(71, [-10, 10])], latent_dim=100)]
    ['random z', '#71 = -10', '#71 = 10']
    """
    edits = [] if perturbations else [UNMODIFIED]
    for number, values in perturbations:
        index = latent_index(number, latent_dim)
        edits.append(UNMODIFIED)
        edits += [LatentEdit(perturb_label(number, value), index=index, value=value) for value in check_values(values)]
    return edits


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
    latents = np.asarray(latents, dtype=np.float32)
    edits = perturb_edits(perturbations, latents.shape[-1])
    return [edit.apply(latents) for edit in edits], [edit.label for edit in edits]


def perturb_label(number: int, value: float) -> str:
    """The row label of latent number ``number`` (1-based) set to ``value``.

    Examples
    --------
    >>> perturb_label(71, -10.0)
    '#71 = -10'
    """
    return f"#{number} = {format_value(value)}"
