"""ganedge's one error hierarchy: every part's errors derive from :class:`GanedgeError`.

A ``GanedgeError`` is a problem the user can fix, described in one actionable
sentence. Every command turns it into one ``Error: ...`` line on stderr and
its :attr:`~GanedgeError.exit_code` (2, bad usage; 1 for a file that failed
validation) in one place, :func:`ganedge.runtime.commands.shared.run_command`.
Because the parts share the base, an error raised deep in the runtime (a
corrupt dataset read by ``gan-train``, say) reaches any command unchanged:
nothing translates one error type into another.

- :class:`GanRuntimeError`: the runtime's (a model file, a latent number, a
  PNG that cannot be written, CUDA asked for but not working);
- :class:`DatasetError`: FashionMNIST missing, unreadable or corrupt;
- ``ganedge.train.errors.TrainError`` and ``ganedge.export.errors.ExportError``
  (with ``ValidationError``, exit code 1) for the other two parts.
"""

from __future__ import annotations

EXIT_USAGE = 2  # bad usage or an input the user must fix
EXIT_VALIDATION = 1  # the work ran and its result failed a check (gan-export's validation)
EXIT_INTERRUPTED = 130  # Ctrl-C, as a shell reports SIGINT


class GanedgeError(Exception):
    """A problem the user can fix, described in one actionable sentence.

    Examples
    --------
    >>> try:
    ...     raise GanedgeError("no model at 'g.onnx'; pass --model PATH")
    ... except GanedgeError as error:
    ...     print(error, error.exit_code)
    no model at 'g.onnx'; pass --model PATH 2
    """

    exit_code = EXIT_USAGE


class GanRuntimeError(GanedgeError):
    """A problem in ``ganedge.runtime``: a model file, an argument, an output, a device.

    Examples
    --------
    >>> isinstance(GanRuntimeError("latent number 0 is out of range"), GanedgeError)
    True
    """


class DatasetError(GanRuntimeError):
    """FashionMNIST is missing, unreadable or corrupt; the message says how to get it."""
