"""Open an ``.onnx`` file as an onnxruntime session on the device asked for, and run it.

onnxruntime is imported here, and only when a model is opened, so importing
``ganedge.runtime`` stays cheap and ``gan-run --help`` answers at once.

Devices
-------
``cpu``
    The CPU provider.
``auto``
    CUDA when the CUDA provider really loads, else CPU, quietly:
    onnxruntime-gpu on a machine without a working CUDA prints a loud
    provider-load error unless its default logger is raised to 4 (fatal).
``cuda``
    CUDA or an error that names the reason; never a silent CPU run.

The provider in use is read back from the session, never assumed.
"""

from __future__ import annotations

import contextlib
import io
import os
import re
import sys
import warnings
from pathlib import Path
from types import ModuleType
from typing import Any, Callable, Iterator

import numpy as np

from ..base.devices import CPU_PROVIDER, CUDA_PROVIDER, DEVICES, MAX_THREADS
from ..base.errors import GanRuntimeError
from ..base.whole_numbers import is_whole_number

ORT_DEFAULT_LOG_SEVERITY = 2  # onnxruntime's own default (warning); there is no getter to read it back
ORT_CAPTURED_LOG_SEVERITY = 3  # errors: a failed CUDA provider load says why, into the captured stderr
SESSION_LOG_SEVERITY = 3  # errors only: no "initializer not used" chatter on every run
INSTALL_HINT = "pip install 'ganedge[cpu]' (or 'ganedge[gpu]' for CUDA; never both)"
CUDA_INSTALL_HINT = "pip uninstall onnxruntime, then pip install 'ganedge[gpu]'"
MAX_REASON_CHARS = 300
# TF32 off: with onnxruntime's default (TF32 on) the CUDA output differs from the CPU's far
# beyond the 1e-5 the export is validated to, and this model is too small for TF32 to matter
# for speed (docs/decisions.md).
CUDA_PROVIDER_OPTIONS = {"use_tf32": "0"}


def import_onnxruntime() -> ModuleType:
    """``import onnxruntime``, or a :class:`GanRuntimeError` with the install command.

    Examples
    --------
    >>> ort = import_onnxruntime()
    >>> "CPUExecutionProvider" in ort.get_available_providers()
    True
    """
    try:
        import onnxruntime
    except ImportError:
        raise GanRuntimeError(f"onnxruntime is not installed; {INSTALL_HINT}") from None
    module: ModuleType = onnxruntime
    return module


def _one_line(text: str) -> str:
    """The most telling line of onnxruntime's output, short enough for one line of stderr.

    Colour codes, the log prefix (time, source file) and the part before
    ``FAIL :`` go; a library's folder is cut to its name.

    Examples
    --------
    >>> _one_line("\\x1b[1;31m2026 [E:onnxruntime:Default, x.cc:1 f()] ... : 1 : FAIL : Failed to load library "
    ...           "/usr/lib/libonnxruntime_providers_cuda.so with error: libcublasLt.so.13: cannot open\\x1b[m")
    'Failed to load library libonnxruntime_providers_cuda.so with error: libcublasLt.so.13: cannot open'
    """
    plain = re.sub(r"\x1b\[[0-9;]*m", "", text)
    lines = [line.strip() for line in plain.splitlines() if line.strip() and set(line.strip()) != {"*"}]
    errors = [line for line in lines if "error" in line.lower() or "fail" in line.lower()]
    line = (errors or lines or ["no reason given"])[0]
    line = line.split("FAIL : ", 1)[-1]
    line = re.sub(r"(?:/[^/\s]+)+/([^/\s]+\.so[.\d]*)", r"\1", line)
    return line if len(line) <= MAX_REASON_CHARS else line[: MAX_REASON_CHARS - 3] + "..."


@contextlib.contextmanager
def _captured_output(ort: ModuleType) -> Iterator[io.StringIO]:
    """Silence and collect what onnxruntime says while a session is created.

    Native logs go to file descriptor 2, the Python fallback notice to stdout,
    the "provider not available" notice to ``warnings``; all of them end up
    in the yielded buffer once the block exits.
    """
    import tempfile  # only the CUDA path needs it; every other start is spared its import

    collected = io.StringIO()
    ort.set_default_logger_severity(ORT_CAPTURED_LOG_SEVERITY)
    sys.stderr.flush()
    saved_fd = os.dup(2)
    with tempfile.TemporaryFile() as native:
        os.dup2(native.fileno(), 2)
        try:
            with warnings.catch_warnings(record=True) as caught, contextlib.redirect_stdout(collected):
                warnings.simplefilter("always")
                yield collected
        finally:
            os.dup2(saved_fd, 2)
            os.close(saved_fd)
            ort.set_default_logger_severity(ORT_DEFAULT_LOG_SEVERITY)
            for warning in caught:
                collected.write(f"{warning.message}\n")
            native.seek(0)
            collected.write(native.read().decode("utf-8", errors="replace"))


def check_threads(threads: int | None) -> int | None:
    """``threads`` if it is ``None`` (onnxruntime's default) or a whole number in ``1..MAX_THREADS``, else an error.

    Examples
    --------
    >>> check_threads(2), check_threads(None)
    (2, None)
    """
    if threads is None:
        return None
    if not is_whole_number(threads, 1, MAX_THREADS):
        raise GanRuntimeError(f"threads must be a whole number from 1 to {MAX_THREADS} (or None for onnxruntime's "
                              f"default, one per physical core), got {threads!r}")
    return int(threads)


def _new_session(ort: ModuleType, path: Path, providers: list[Any], threads: int | None = None,
                 graph: bytes | None = None) -> Any:
    options = ort.SessionOptions()
    options.log_severity_level = SESSION_LOG_SEVERITY
    if threads is not None:
        options.intra_op_num_threads = threads
    if threads != 1:
        # onnxruntime's pool threads otherwise spin on after a run, for milliseconds, taking the cores from
        # whatever runs next: large batches, chunks side by side on one-thread sessions, ran 1.7-2.2x slower
        # right after a mid-size batch (docs/decisions.md). Spinning within a run is kept.
        options.add_session_config_entry("session.force_spinning_stop", "1")
    try:
        return ort.InferenceSession(graph if graph is not None else str(path), sess_options=options, providers=providers)
    except Exception as error:  # onnxruntime's pybind errors derive from Exception only
        raise GanRuntimeError(f"cannot load {str(path)!r} as an ONNX model: {_one_line(str(error))}") from None


def _preload_cuda_libraries(ort: ModuleType) -> None:
    """Let onnxruntime-gpu find CUDA and cuDNN in pip's ``nvidia-*`` packages (as torch installs them).

    Without this the CUDA provider only loads when the libraries are on the
    system's search path. Best effort: what it cannot find, the provider
    load reports.
    """
    preload = getattr(ort, "preload_dlls", None)  # onnxruntime-gpu >= 1.21
    if preload is not None:
        try:
            preload()
        except Exception:  # a missing library surfaces as the provider-load reason instead
            pass


def open_session(path: Path, device: str = "auto", threads: int | None = None,
                 graph: bytes | None = None) -> tuple[Any, str]:
    """Create an ``InferenceSession`` for ``path`` on ``device`` and report the provider really in use.

    Parameters
    ----------
    path : Path
        The ``.onnx`` file.
    device : {"auto", "cpu", "cuda"}
        See the module docstring.
    threads : int, optional
        onnxruntime's intra-op threads (``intra_op_num_threads``); ``None``
        leaves onnxruntime's default, one per physical core.
    graph : bytes, optional
        A serialized model to open instead of the file's bytes, e.g. the
        file cut down to some outputs (:func:`~ganedge.runtime.base.onnx_prune.keep_outputs`);
        messages still name ``path``.

    Returns
    -------
    tuple
        ``(session, provider)``, e.g. ``(<InferenceSession>, "CPUExecutionProvider")``.

    Examples
    --------
    >>> from ganedge.runtime.models import BUNDLED_MODEL
    >>> session, provider = open_session(BUNDLED_MODEL, "cpu")
    >>> provider
    'CPUExecutionProvider'
    """
    if device not in DEVICES:
        raise GanRuntimeError(f"unknown device {device!r}; use one of {', '.join(DEVICES)}")
    threads = check_threads(threads)
    if not path.exists():
        raise GanRuntimeError(f"no model file at {str(path)!r}")
    if not path.is_file():
        raise GanRuntimeError(f"{str(path)!r} is not a file; pass the .onnx file itself")
    ort = import_onnxruntime()
    if device == "cpu":
        session = _new_session(ort, path, [CPU_PROVIDER], threads, graph)
        return session, session.get_providers()[0]
    if CUDA_PROVIDER not in ort.get_available_providers():
        if device == "cuda":
            raise GanRuntimeError(f"--device cuda: this onnxruntime has no CUDA provider; {CUDA_INSTALL_HINT}")
        session = _new_session(ort, path, [CPU_PROVIDER], threads, graph)
        return session, session.get_providers()[0]
    with _captured_output(ort) as said:
        _preload_cuda_libraries(ort)
        session = _new_session(ort, path, [(CUDA_PROVIDER, CUDA_PROVIDER_OPTIONS), CPU_PROVIDER], threads, graph)
    if CUDA_PROVIDER not in session.get_providers() and device == "cuda":
        raise GanRuntimeError(f"--device cuda: the CUDA provider did not load ({CUDA_PROVIDER}: {_one_line(said.getvalue())}); "
                              "onnxruntime-gpu needs CUDA 13 and cuDNN 9 on the machine (or use --device cpu)")
    return session, session.get_providers()[0]


def direct_run(session: Any) -> Callable[[list[str], dict[str, np.ndarray]], list[np.ndarray]]:
    """``session``'s C++ ``run``, without the Python layer of ``InferenceSession.run``.

    That layer re-checks the input names (the models check their inputs
    themselves) and, when a provider fails at run time, silently retries on
    the CPU: a downgrade ganedge never makes. It is also a tenth of a batch-1
    call (docs/decisions.md). onnxruntime has kept the C++ session as
    ``_sess`` since 1.0; without it the public ``run`` is used.

    Examples
    --------
    >>> from ganedge.runtime.models import BUNDLED_MODEL
    >>> session, _ = open_session(BUNDLED_MODEL, "cpu")
    >>> direct_run(session)(["image"], {"z": np.zeros((1, 100), np.float32)})[0].shape
    (1, 1, 28, 28)
    """
    inner = getattr(session, "_sess", None)
    if inner is None or not hasattr(inner, "run"):
        return lambda names, feeds: session.run(names, feeds)
    options = reusable_run_options()
    return lambda names, feeds: inner.run(names, feeds, options)


def reusable_run_options() -> Any:
    """A ``RunOptions`` to pass to every run: with ``None`` onnxruntime builds one per run (0.7 us at batch 1).

    It is only read during a run, so threads can share it.
    """
    import onnxruntime

    return onnxruntime.RunOptions()


def run(session: Any, names: list[str], feeds: dict[str, np.ndarray], path: Path) -> list[np.ndarray]:
    """One pass of ``session`` (see :func:`direct_run`); a failure inside onnxruntime is one line naming the file.

    Safe to call from many threads on one session (onnxruntime's ``run`` is thread-safe).

    Examples
    --------
    >>> from ganedge.runtime.models import BUNDLED_MODEL
    >>> session, _ = open_session(BUNDLED_MODEL, "cpu")
    >>> run(session, ["image"], {"z": np.zeros((2, 100), np.float32)}, BUNDLED_MODEL)[0].shape
    (2, 1, 28, 28)
    """
    try:
        return direct_run(session)(names, feeds)
    except Exception as error:  # onnxruntime's pybind errors derive from Exception only
        raise GanRuntimeError(f"{str(path)!r} failed inside onnxruntime: {_one_line(str(error))}") from None


def run_into(session: Any, name: str, feeds: dict[str, np.ndarray], out: np.ndarray, path: Path) -> np.ndarray:
    """One pass through IO binding, output ``name`` written straight into the host array ``out`` (CPU).

    onnxruntime's last kernel writes into ``out`` itself, so a large batch
    is not copied a second time. Each call has its own binding, so threads
    sharing the session do not interfere.

    Examples
    --------
    >>> from ganedge.runtime.models import BUNDLED_MODEL
    >>> session, _ = open_session(BUNDLED_MODEL, "cpu")
    >>> out = np.empty((2, 1, 28, 28), np.float32)
    >>> run_into(session, "image", {"z": np.zeros((2, 100), np.float32)}, out, BUNDLED_MODEL) is out
    True
    """
    binding = session.io_binding()
    for input_name, value in feeds.items():
        binding.bind_cpu_input(input_name, value)
    binding.bind_output(name, "cpu", 0, out.dtype, list(out.shape), out.ctypes.data)
    try:
        session.run_with_iobinding(binding)
    except Exception as error:
        raise GanRuntimeError(f"{str(path)!r} failed inside onnxruntime: {_one_line(str(error))}") from None
    return out


class OpenedModel:
    """An ``.onnx`` file opened once as an onnxruntime session: the part every runtime model shares.

    Holds the path, the session and the provider really in use (read back from
    the session, never assumed). :class:`~ganedge.runtime.GeneratorModel` and
    :class:`~ganedge.runtime.classifier.ClassifierModel` add what their kind
    of file means.

    Examples
    --------
    >>> from ganedge.runtime.models import BUNDLED_MODEL
    >>> OpenedModel(BUNDLED_MODEL, "cpu").provider
    'CPUExecutionProvider'
    """

    def __init__(self, path: Path, device: str, threads: int | None = None) -> None:
        self._path = path
        self._threads = check_threads(threads)
        self._session, self._provider = open_session(path, device, self._threads)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({str(self._path)!r}, provider={self._provider!r})"

    @property
    def path(self) -> Path:
        """The ``.onnx`` file this model was loaded from."""
        return self._path

    @property
    def threads(self) -> int | None:
        """The intra-op threads asked for (``None``: onnxruntime's default, one per physical core)."""
        return self._threads

    @property
    def provider(self) -> str:
        """The onnxruntime execution provider really in use, read back from the session."""
        return self._provider

    @property
    def session(self) -> Any:
        """The underlying ``onnxruntime.InferenceSession``, for advanced use."""
        return self._session
