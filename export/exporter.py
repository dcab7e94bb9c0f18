"""Checkpoint -> validated, self-describing ``.onnx``: the API behind ``gan-export``.

Steps: load the checkpoint safely; export the Generator at the asked opset;
convert precision; validate against PyTorch; write the metadata the runtime
needs; ``onnx.checker`` with ``full_check``; write to a temp name and rename,
so a failed export leaves no file behind.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import onnx

from ganedge.runtime import metadata as keys
from ganedge.runtime.atomic import atomic_write
from ganedge.runtime.version import ganedge_version
from ganedge.train.checkpoint import CHECKPOINT_NAME, file_sha256, load_checkpoint
from ganedge.train.errors import TrainError
from ganedge.train.model import IMAGE_SHAPE, Generator

from .convert import default_domain_opset, generator_to_onnx
from .defaults import ARCHITECTURE_NAME, ATOL_FOR_VALIDATION, DEFAULT_ONNX_OPSET, DEFAULT_PRECISION, PRECISIONS
from .errors import ExportError
from .precision import convert_precision
from .sefa import sefa_metadata
from .validate import validate_against_torch

LATEST_RUN = Path("runs") / "latest"


@dataclass(frozen=True)
class ExportResult:
    path: Path
    opset: int
    precision: str
    figures: dict[str, dict[str, float]]
    size_bytes: int


def resolve_checkpoint(checkpoint: Path | None, run: Path | None) -> Path:
    """``--checkpoint`` wins, then ``--run DIR/checkpoint.pt``, then ``runs/latest``."""
    if checkpoint is not None and run is not None:
        raise ExportError("give --checkpoint or --run, not both")
    if checkpoint is not None:
        return checkpoint
    folder = run if run is not None else LATEST_RUN
    if run is None and not LATEST_RUN.exists():
        raise ExportError("no runs/latest in this folder; train with `gan-train` or pass --checkpoint PATH / --run DIR")
    return folder / CHECKPOINT_NAME


def default_output(checkpoint: Path, precision: str) -> Path:
    suffix = "" if precision == "fp32" else f"-{precision}"
    return checkpoint.parent / f"generator{suffix}.onnx"


def export_generator(
    checkpoint: Path,
    out: Path | None = None,
    opset: int = DEFAULT_ONNX_OPSET,
    precision: str = DEFAULT_PRECISION,
    atol: float = ATOL_FOR_VALIDATION,
) -> ExportResult:
    """Export the Generator of ``checkpoint`` to ``out`` and prove it matches PyTorch.

    Raises ``ExportError`` for bad input and ``ValidationError`` (a subclass,
    carrying the figures) when the file does not reproduce PyTorch.

    Examples
    --------
    >>> result = export_generator(Path("runs/latest/checkpoint.pt"))       # doctest: +SKIP
    >>> result.path, result.figures["batch_256"]["max_abs_diff"] < 1e-5
    (PosixPath('runs/latest/generator.onnx'), True)
    """
    if precision not in PRECISIONS:
        raise ExportError(f"unknown precision {precision!r}; use one of {', '.join(PRECISIONS)}")
    if not atol > 0:
        raise ExportError(f"--atol must be positive, got {atol}")
    try:
        state = load_checkpoint(checkpoint)
    except TrainError as error:
        raise ExportError(str(error)) from None
    config = state["config"]
    generator = Generator(int(config["latent_dim"]))
    generator.load_state_dict(state["generator"])
    out = out if out is not None else default_output(checkpoint, precision)
    check_writable(out)

    model = convert_precision(generator_to_onnx(generator, generator.latent_dim, opset), precision)
    figures = validate_against_torch(model, generator, precision, atol=atol)
    training = {
        "epochs": int(state["epoch"]), "steps": int(state["global_step"]), "seed": int(config["seed"]),
        "options": config, "dataset_md5": state.get("data_md5", {}),
    }
    write_metadata(model, {
        keys.FORMAT_KEY: keys.FORMAT_GENERATOR,
        keys.KIND_KEY: "generator",
        keys.LATENT_DIM_KEY: str(generator.latent_dim),
        keys.IMAGE_SHAPE_KEY: json.dumps(list(IMAGE_SHAPE)),
        keys.VALUE_RANGE_KEY: json.dumps([-1.0, 1.0]),
        keys.PIXEL_MAPPING_KEY: keys.PIXEL_MAPPING,
        keys.PRECISION_KEY: precision,
        keys.OPSET_KEY: str(default_domain_opset(model)),
        keys.VERSION_KEY: ganedge_version(),
        keys.ARCHITECTURE_KEY: ARCHITECTURE_NAME,
        keys.TRAINING_KEY: json.dumps(training, sort_keys=True),
        keys.CHECKPOINT_SHA256_KEY: file_sha256(checkpoint),
        keys.EXPORTED_AT_KEY: datetime.now(timezone.utc).isoformat(timespec="seconds"),
        keys.VALIDATION_KEY: json.dumps({"reference": "fp32 PyTorch", "onnxruntime": "CPU", **figures}, sort_keys=True),
        keys.SEFA_KEY: sefa_metadata(generator.fc1.weight.detach().numpy()),
    })
    onnx.checker.check_model(model, full_check=True)
    size = write_atomic(model, out)
    return ExportResult(out, default_domain_opset(model), precision, figures, size)


def write_metadata(model: onnx.ModelProto, values: dict[str, str]) -> None:
    """Replace the model's ``metadata_props`` with ``values`` (all strings)."""
    del model.metadata_props[:]
    for key, value in values.items():
        entry = model.metadata_props.add()
        entry.key, entry.value = key, value


def check_writable(out: Path) -> None:
    folder = out.parent if str(out.parent) else Path(".")
    if out.is_dir():
        raise ExportError(f"--out {out} is a folder; give a file name like {out / 'generator.onnx'}")
    if not folder.is_dir():
        raise ExportError(f"cannot write {out}: folder {folder} does not exist")
    if not os.access(folder, os.W_OK):
        raise ExportError(f"cannot write {out}: folder {folder} is not writable")


def write_atomic(model: onnx.ModelProto, out: Path) -> int:
    payload = model.SerializeToString()
    try:
        atomic_write(out, lambda tmp_name: Path(tmp_name).write_bytes(payload))
    except OSError as error:
        raise ExportError(f"cannot write {out}: {error.strerror or error}") from None
    return len(payload)
