"""The runtime's one error type.

Everything that can go wrong for a user of ``ganedge.runtime`` (a missing or
foreign model file, a latent number out of range, an unwritable PNG, a CUDA
request on a machine without CUDA) raises :class:`GanRuntimeError` with a
message that says what to do. ``gan-run`` prints that message as one line and
exits with code 2.
"""

from __future__ import annotations


class GanRuntimeError(Exception):
    """A problem the user can fix, described in one actionable sentence.

    Examples
    --------
    >>> try:
    ...     raise GanRuntimeError("no model at 'g.onnx'; pass --model PATH")
    ... except GanRuntimeError as error:
    ...     print(error)
    no model at 'g.onnx'; pass --model PATH
    """
