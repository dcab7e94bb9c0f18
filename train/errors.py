"""The training part's error type, in ganedge's one hierarchy."""

from __future__ import annotations

from ganedge.runtime.base.errors import GanedgeError


class TrainError(GanedgeError):
    """A problem the user can fix (missing data, bad option, unusable run folder or checkpoint).

    Every command prints its message as one line on stderr and exits with
    code 2; the message says what went wrong and how to fix it.
    """
