"""The export part's error types, in ganedge's one hierarchy."""

from __future__ import annotations

from ganedge.runtime.base.errors import EXIT_VALIDATION, GanedgeError


class ExportError(GanedgeError):
    """A problem the user can fix (no checkpoint, wrong architecture, bad option).

    ``gan-export`` prints its message as one line on stderr and exits with code 2.
    """


class ValidationError(ExportError):
    """The exported file does not reproduce PyTorch within tolerance.

    ``gan-export`` prints the figures in its one line and exits with code 1;
    no file is left behind.
    """

    exit_code = EXIT_VALIDATION

    def __init__(self, message: str, figures: dict[str, dict[str, float]]) -> None:
        super().__init__(message)
        self.figures = figures
