"""Open a generator ``.onnx`` as an onnxruntime session on the device asked for.

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
import sys
import tempfile
import warnings
from pathlib import Path
from types import ModuleType
from typing import Any, Iterator

import numpy as np

from ..base.contract import INPUT_NAME, OUTPUT_NAME, GeneratorMetadata
from ..base.devices import CPU_PROVIDER, CUDA_PROVIDER, DEVICES
from ..base.errors import GanRuntimeError

ORT_DEFAULT_LOG_SEVERITY = 2  # onnxruntime's own default (warning); there is no getter to read it back
ORT_SILENT_LOG_SEVERITY = 4  # fatal only: 3 still prints onnxruntime-gpu's provider-load error
SESSION_LOG_SEVERITY = 3  # errors only: no "initializer not used" chatter on every run
INSTALL_HINT = "pip install 'ganedge[cpu]' (or 'ganedge[gpu]' for CUDA; never both)"
CUDA_INSTALL_HINT = "pip uninstall onnxruntime, then pip install 'ganedge[gpu]'"
MAX_REASON_CHARS = 300
MAX_THREADS = 256
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
    """The most telling line of onnxruntime's output, short enough for one line of stderr."""
    lines = [line.strip() for line in text.splitlines() if line.strip() and set(line.strip()) != {"*"}]
    errors = [line for line in lines if "error" in line.lower() or "fail" in line.lower()]
    line = (errors or lines or ["no reason given"])[0]
    return line if len(line) <= MAX_REASON_CHARS else line[: MAX_REASON_CHARS - 3] + "..."


@contextlib.contextmanager
def _captured_output(ort: ModuleType) -> Iterator[io.StringIO]:
    """Silence and collect what onnxruntime says while a session is created.

    Native logs go to file descriptor 2, the Python fallback notice to stdout,
    the "provider not available" notice to ``warnings``; all of them end up
    in the yielded buffer once the block exits.
    """
    collected = io.StringIO()
    ort.set_default_logger_severity(ORT_SILENT_LOG_SEVERITY)
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
    if isinstance(threads, bool) or not isinstance(threads, (int, np.integer)) or not 1 <= threads <= MAX_THREADS:
        raise GanRuntimeError(f"threads must be a whole number from 1 to {MAX_THREADS} (or None for onnxruntime's "
                              f"default, one per physical core), got {threads!r}")
    return int(threads)


def _new_session(ort: ModuleType, path: Path, providers: list[Any], threads: int | None = None) -> Any:
    options = ort.SessionOptions()
    options.log_severity_level = SESSION_LOG_SEVERITY
    if threads is not None:
        options.intra_op_num_threads = threads
    try:
        return ort.InferenceSession(str(path), sess_options=options, providers=providers)
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


def open_session(path: Path, device: str = "auto", threads: int | None = None) -> tuple[Any, str]:
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
        session = _new_session(ort, path, [CPU_PROVIDER], threads)
        return session, session.get_providers()[0]
    if CUDA_PROVIDER not in ort.get_available_providers():
        if device == "cuda":
            raise GanRuntimeError(f"--device cuda: this onnxruntime has no CUDA provider; {CUDA_INSTALL_HINT}")
        session = _new_session(ort, path, [CPU_PROVIDER], threads)
        return session, session.get_providers()[0]
    with _captured_output(ort) as said:
        _preload_cuda_libraries(ort)
        session = _new_session(ort, path, [(CUDA_PROVIDER, CUDA_PROVIDER_OPTIONS), CPU_PROVIDER], threads)
    if CUDA_PROVIDER not in session.get_providers() and device == "cuda":
        raise GanRuntimeError(f"--device cuda: the CUDA provider did not load ({_one_line(said.getvalue())})")
    return session, session.get_providers()[0]


def _static(dims: list[Any]) -> list[int | None]:
    return [d if isinstance(d, int) else None for d in dims]


def check_graph(session: Any, path: Path) -> GeneratorMetadata:
    """Read the ganedge metadata and check the graph really has the shapes it claims.

    A ganedge generator takes ``z`` float32 ``[N, latent_dim]`` with a free
    batch size ``N`` and returns ``image`` float32 ``[N, C, H, W]`` matching
    the metadata's image shape, with one channel (grayscale).

    Raises
    ------
    GanRuntimeError
        Naming the file and what disagrees.

    Examples
    --------
    >>> from ganedge.runtime.models import BUNDLED_MODEL
    >>> session, provider = open_session(BUNDLED_MODEL, "cpu")
    >>> check_graph(session, BUNDLED_MODEL).latent_dim
    100
    """
    try:
        meta = GeneratorMetadata.from_map(session.get_modelmeta().custom_metadata_map)
    except ValueError as error:
        raise GanRuntimeError(f"{str(path)!r}: {error}") from None
    where = f"{str(path)!r} is not a ganedge generator"
    inputs, outputs = session.get_inputs(), session.get_outputs()
    if [i.name for i in inputs] != [INPUT_NAME] or [o.name for o in outputs] != [OUTPUT_NAME]:
        raise GanRuntimeError(
            f"{where}: expected input {INPUT_NAME!r} and output {OUTPUT_NAME!r}, found inputs "
            f"{[i.name for i in inputs]} and outputs {[o.name for o in outputs]}"
        )
    z, image = inputs[0], outputs[0]
    if z.type != "tensor(float)" or image.type != "tensor(float)":
        raise GanRuntimeError(f"{where}: input and output must be float32, found {z.type} -> {image.type}")
    z_dims, image_dims = _static(z.shape), _static(image.shape)
    if len(z_dims) != 2 or z_dims[1] != meta.latent_dim:
        raise GanRuntimeError(
            f"{where}: its metadata says latent size {meta.latent_dim} but the graph's input "
            f"{INPUT_NAME!r} has shape {z.shape}, expected [N, {meta.latent_dim}]"
        )
    if z_dims[0] is not None:
        raise GanRuntimeError(f"{where}: its batch size is fixed at {z_dims[0]}; re-export it with `gan-export`")
    if len(image_dims) != 4 or any(d is not None and d != m for d, m in zip(image_dims[1:], meta.image_shape)):
        raise GanRuntimeError(
            f"{where}: its metadata says images {list(meta.image_shape)} but the graph's output "
            f"{OUTPUT_NAME!r} has shape {image.shape}, expected [N, {', '.join(map(str, meta.image_shape))}]"
        )
    if meta.image_shape[0] != 1:
        raise GanRuntimeError(f"{where}: it makes {meta.image_shape[0]}-channel images; ganedge renders grayscale (1)")
    return meta


def run_batch(session: Any, provider: str, latents: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """One forward pass: float32 ``[n, latent_dim]`` -> float32 ``[n, C, H, W]`` on the host.

    ``out``, when given, is a C-contiguous float32 host array of the output's
    shape that receives the images (and is returned). Safe to call from many
    threads on one session (onnxruntime's ``run`` is thread-safe).

    Which path (docs/decisions.md has the figures):

    - CPU with ``out``: :func:`run_bound`, the images written in place by the
      last kernel, which saves a copy of every large batch;
    - CUDA: plain ``session.run``, which copies the latents in and the images
      out once each; IO binding to host arrays was slower there. Binding only
      pays when the caller keeps inputs and outputs on the GPU, which a numpy
      API cannot.

    Examples
    --------
    >>> from ganedge.runtime.models import BUNDLED_MODEL
    >>> session, provider = open_session(BUNDLED_MODEL, "cpu")
    >>> run_batch(session, provider, np.zeros((2, 100), np.float32)).shape
    (2, 1, 28, 28)
    """
    if out is not None and provider == CPU_PROVIDER:
        return run_bound(session, latents, out)
    images = np.asarray(session.run([OUTPUT_NAME], {INPUT_NAME: latents})[0])
    if out is None:
        return images
    np.copyto(out, images)
    return out


def run_bound(session: Any, latents: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """One forward pass through IO binding, the output written straight into a host array.

    onnxruntime writes the images directly into ``out`` (allocated when not
    given), so no second host copy is made; :func:`run_batch` says where this
    pays. Each call has its own binding, so threads sharing the session do not
    interfere.

    Examples
    --------
    >>> from ganedge.runtime.models import BUNDLED_MODEL
    >>> session, provider = open_session(BUNDLED_MODEL, "cpu")
    >>> run_bound(session, np.zeros((2, 100), np.float32)).shape
    (2, 1, 28, 28)
    """
    shape = [len(latents), *(int(d) for d in session.get_outputs()[0].shape[1:])]
    if out is None:
        out = np.empty(shape, dtype=np.float32)
    binding = session.io_binding()
    binding.bind_cpu_input(INPUT_NAME, np.ascontiguousarray(latents, dtype=np.float32))
    binding.bind_output(OUTPUT_NAME, "cpu", 0, np.float32, shape, out.ctypes.data)
    session.run_with_iobinding(binding)
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
        self._session, self._provider = open_session(path, device, threads)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({str(self._path)!r}, provider={self._provider!r})"

    @property
    def path(self) -> Path:
        """The ``.onnx`` file this model was loaded from."""
        return self._path

    @property
    def provider(self) -> str:
        """The onnxruntime execution provider really in use, read back from the session."""
        return self._provider

    @property
    def session(self) -> Any:
        """The underlying ``onnxruntime.InferenceSession``, for advanced use."""
        return self._session
