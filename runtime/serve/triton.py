"""A Triton Inference Server model repository for the generator and the classifier, written from the files alone.

``gan-serve --triton-repo DIR`` writes::

    DIR/generator/config.pbtxt     DIR/generator/1/model.onnx
    DIR/classifier/config.pbtxt    DIR/classifier/1/model.onnx

Each ``config.pbtxt`` is Triton's text protobuf (``ModelConfig``): the
``onnxruntime`` backend, ``max_batch_size`` > 0 (so every ``dims`` leaves out
the batch dimension), the input and output names, types and dims read from
the model's own onnxruntime session, dynamic batching, and an instance group
for the CPU or the GPU. The same v2 client then runs against ``gan-serve``
and against Triton unchanged.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any, Sequence

from ..base.errors import GanRuntimeError
from ..base.files import bytes_writer, text_writer, write_all

TRITON_TYPES = {"tensor(float)": "TYPE_FP32", "tensor(uint8)": "TYPE_UINT8", "tensor(float16)": "TYPE_FP16",
                "tensor(int64)": "TYPE_INT64", "tensor(int32)": "TYPE_INT32"}
INSTANCE_KINDS = {"cpu": "KIND_CPU", "gpu": "KIND_GPU"}
DEFAULT_MAX_BATCH = 1024
DEFAULT_QUEUE_DELAY_US = 2000


def _tensors(values: Sequence[Any]) -> str:
    entries = []
    for value in values:
        if value.type not in TRITON_TYPES:
            raise GanRuntimeError(f"{value.name!r} has type {value.type}, which this repository writer does not map")
        dims = [d for d in value.shape[1:]]
        if not all(isinstance(d, int) for d in dims):
            raise GanRuntimeError(f"{value.name!r} has symbolic dims {value.shape}; Triton needs fixed dims after the batch")
        entries.append(f'  {{\n    name: "{value.name}"\n    data_type: {TRITON_TYPES[value.type]}\n'
                       f'    dims: [ {", ".join(str(d) for d in dims)} ]\n  }}')
    return ",\n".join(entries)


def model_config(name: str, session: Any, kind: str = "cpu", count: int = 1, max_batch: int = DEFAULT_MAX_BATCH,
                 queue_delay_us: int = DEFAULT_QUEUE_DELAY_US) -> str:
    """The ``config.pbtxt`` text of model ``name``, its tensors read from ``session``.

    Examples
    --------
    >>> from ganedge.runtime.generator.session import open_session
    >>> from ganedge.runtime.models import BUNDLED_MODEL
    >>> print(model_config("generator", open_session(BUNDLED_MODEL, "cpu")[0]).splitlines()[:3])
    ['name: "generator"', 'backend: "onnxruntime"', 'max_batch_size: 1024']
    """
    if kind not in INSTANCE_KINDS:
        raise GanRuntimeError(f"instance kind must be one of {', '.join(INSTANCE_KINDS)}, got {kind!r}")
    return (f'name: "{name}"\nbackend: "onnxruntime"\nmax_batch_size: {max_batch}\n'
            f"input [\n{_tensors(session.get_inputs())}\n]\n"
            f"output [\n{_tensors(session.get_outputs())}\n]\n"
            f"dynamic_batching {{\n  max_queue_delay_microseconds: {queue_delay_us}\n}}\n"
            f"instance_group [\n  {{\n    count: {count}\n    kind: {INSTANCE_KINDS[kind]}\n  }}\n]\n")


def write_repository(folder: Path, models: dict[str, tuple[Path, Any]], kind: str = "cpu", count: int = 1) -> list[Path]:
    """Write the repository for ``{name: (onnx file, session)}`` into ``folder`` (created; its models replaced).

    Every file is staged and published at once (:func:`write_all`), so a
    failure leaves no half repository.
    """
    if folder.exists() and not folder.is_dir():
        raise GanRuntimeError(f"--triton-repo {str(folder)!r} is a file; give a folder")
    files, created = [], [folder / name for name in models if not (folder / name).exists()]
    for name, (path, session) in models.items():
        (folder / name / "1").mkdir(parents=True, exist_ok=True)
        files.append((folder / name / "config.pbtxt", text_writer(model_config(name, session, kind, count)), "--triton-repo"))
        files.append((folder / name / "1" / "model.onnx", bytes_writer(path.read_bytes()), "--triton-repo"))
    try:
        return write_all(files)
    except GanRuntimeError:
        for made in created:  # only what this call created: a user's other models stay
            shutil.rmtree(made, ignore_errors=True)
        raise
