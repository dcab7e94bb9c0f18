"""The values a latent edit uses (``--perturb 71=-10,10,100``, ``--direction``, ``gan-sweep --values``): checked, written back.

Latents are standard normal, so the report's 100 is already a hundred
standard deviations; beyond ``MAX_EDIT_VALUE`` every pixel saturates, and a
value that float32 cannot hold (``1e40``) would become infinity and black
rows. One rule for the command line and the Python API, torch- and numpy-free
so every command's option parser can use it.
"""

from __future__ import annotations

import math
from typing import Sequence

from .errors import GanRuntimeError

MAX_EDIT_VALUE = 1e6


def format_value(value: float) -> str:
    """A value as a person typed it: ``-10.0`` -> ``"-10"``, ``0.5`` -> ``"0.5"``.

    Examples
    --------
    >>> format_value(-10.0)
    '-10'
    """
    text = f"{float(value):g}"
    return text if float(text) == float(value) else repr(float(value))


def check_values(values: Sequence[float]) -> tuple[float, ...]:
    """The values to try, as floats: at least one, finite, within ``MAX_EDIT_VALUE``, none repeated.

    Examples
    --------
    >>> check_values([-10, 10, 100])
    (-10.0, 10.0, 100.0)
    >>> check_values([1e40])
    Traceback (most recent call last):
    ...
    ganedge.runtime.base.errors.GanRuntimeError: values must lie within +-1e+06 (latents are standard normal: beyond that every pixel saturates), got 1e+40
    """
    try:
        checked = tuple(float(v) for v in values)
    except (TypeError, ValueError):
        raise GanRuntimeError(f"values must be numbers, got {values!r}") from None
    if not checked:
        raise GanRuntimeError("give at least one value to set the latent number to")
    bad = [v for v in checked if not math.isfinite(v)]
    if bad:
        raise GanRuntimeError(f"{format_value(bad[0])} is not a finite number; give finite values")
    huge = [v for v in checked if abs(v) > MAX_EDIT_VALUE]
    if huge:
        raise GanRuntimeError(f"values must lie within +-{MAX_EDIT_VALUE:g} (latents are standard normal: beyond that "
                              f"every pixel saturates), got {format_value(huge[0])}")
    if len(set(checked)) != len(checked):
        raise GanRuntimeError(f"{', '.join(format_value(v) for v in checked)} repeats a value; give each value once")
    return checked
