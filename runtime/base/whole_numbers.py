"""The one check that an argument is a whole number in a range, for every function that takes counts, seeds or sizes.

``True`` is an ``int`` to Python but never a count to a user, and numpy's
integers (``np.int64`` from an array's shape) are whole numbers too.
"""

from __future__ import annotations

import numpy as np


def is_whole_number(value: object, low: int, high: int | None = None) -> bool:
    """Whether ``value`` is an integer (not a bool) with ``low <= value`` (and ``value <= high`` when given).

    Examples
    --------
    >>> is_whole_number(8, 1), is_whole_number(np.int64(8), 1, 8), is_whole_number(True, 0), is_whole_number(2.0, 1)
    (True, True, False, False)
    """
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        return False
    return bool(low <= value and (high is None or value <= high))
