"""Checkpoint -> validated, self-describing ``.onnx``: the API behind ``gan-export``.

Steps: load the checkpoint safely; export the Generator at the asked opset;
convert precision; validate against PyTorch; write the metadata the runtime
needs; ``onnx.checker`` with ``full_check``; write to a temp name and rename,
so a failed export leaves no file behind.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import onnx

from ganedge.runtime.base.contract import OUTPUT_NAME, PIXELS_NAME, generator_props
from ganedge.runtime.base.files import check_outputs, write_bytes
from ganedge.runtime.base.sefa import encode_sefa, factorize_first_layer
from ganedge.runtime.base.version import ganedge_version
from ganedge.train.checkpoint import CHECKPOINT_NAME, file_sha256, read_checkpoint
from ganedge.train.model import GENERATOR_ARCHITECTURE, IMAGE_SHAPE

from .convert import default_domain_opset, generator_to_onnx
from .defaults import ATOL_FOR_VALIDATION, DEFAULT_ONNX_OPSET, DEFAULT_PRECISION, PRECISIONS
from .errors import ExportError
from .pixels import add_pixels_output
from .precision import convert_precision
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
    >>> result = export_generator(Path("runs/latest/checkpoint.pt"), Path("generator.onnx"))   # after gan-train
    >>> result.path, result.figures["batch_256"]["max_abs_diff"] < 1e-5
    (PosixPath('generator.onnx'), True)
    """
    if precision not in PRECISIONS:
        raise ExportError(f"unknown precision {precision!r}; use one of {', '.join(PRECISIONS)}")
    if not atol > 0:
        raise ExportError(f"--atol must be positive, got {atol}")
    out = out if out is not None else default_output(checkpoint, precision)
    check_outputs({"--out": out}, {"--checkpoint": checkpoint})
    loaded = read_checkpoint(checkpoint)
    generator, state = loaded.generator, loaded.state

    model = convert_precision(generator_to_onnx(generator, generator.latent_dim, opset), precision)
    add_pixels_output(model, IMAGE_SHAPE[1], IMAGE_SHAPE[2])
    figures = validate_against_torch(model, generator, precision, atol=atol)
    training = {
        "epochs": int(state["epoch"]), "steps": int(state["global_step"]), "seed": loaded.config.seed,
        "options": loaded.config.to_dict(), "dataset_md5": state.get("data_md5", {}),
    }
    write_metadata(model, generator_props(
        latent_dim=generator.latent_dim, image_shape=IMAGE_SHAPE, precision=precision,
        opset=default_domain_opset(model), architecture=GENERATOR_ARCHITECTURE, version=ganedge_version(),
        training=training, checkpoint_sha256=file_sha256(checkpoint),
        exported_at=datetime.now(timezone.utc).isoformat(timespec="seconds"),
        validation={"reference": "fp32 PyTorch", "onnxruntime": "CPU", **figures},
        sefa=encode_sefa(factorize_first_layer(generator.fc1.weight.detach().numpy())),
        outputs=(OUTPUT_NAME, PIXELS_NAME),
    ))
    onnx.checker.check_model(model, full_check=True)
    size = write_model(model, out)
    return ExportResult(out, default_domain_opset(model), precision, figures, size)


def write_metadata(model: onnx.ModelProto, values: dict[str, str]) -> None:
    """Replace the model's ``metadata_props`` with ``values`` (all strings)."""
    del model.metadata_props[:]
    for key, value in values.items():
        entry = model.metadata_props.add()
        entry.key, entry.value = key, value


def write_model(model: onnx.ModelProto, out: Path) -> int:
    """Serialize ``model`` to ``out`` atomically; returns its size in bytes."""
    payload = model.SerializeToString()
    write_bytes(out, payload, "--out")
    return len(payload)
