"""The weights every engine runs: one checkpoint and its fp32, fp16 and int8 exports.

Either the user's run (``--run DIR`` with a ``checkpoint.pt``) or a short
fresh training run, so ``python -m benchmarks`` works on a fresh clone. The
exports are always made anew from that checkpoint into the benchmark's own
work folder: that guarantees "same weights" for PyTorch and ONNX, and never
writes into the user's run folder.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .defaults import PRECISIONS


@dataclass(frozen=True)
class BenchModel:
    """Where the checkpoint and its exports are, and where they came from."""

    checkpoint: Path
    exports: dict[str, Path]
    origin: str
    latent_dim: int
    training: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "checkpoint": str(self.checkpoint),
            "exports": {precision: str(path) for precision, path in self.exports.items()},
            "origin": self.origin,
            "latent_dim": self.latent_dim,
            "training": self.training,
        }


def train_short_run(run_dir: Path, steps: int) -> Path:
    """Train ``steps`` steps on the real FashionMNIST (CPU) and return the checkpoint.

    Weights from a short run time exactly like trained ones (the arithmetic
    does not depend on the values) and give the reduced precisions realistic
    value ranges to be judged on.
    """
    from ganedge.train.config import TrainConfig
    from ganedge.train.runner import train_run

    train_run(TrainConfig(epochs=1, max_steps=steps), run_dir, device="cpu", progress=False,
              overwrite=True, log=io.StringIO())
    return run_dir / "checkpoint.pt"


def export_name(precision: str) -> str:
    """``gan-export``'s default file name for ``precision``: generator.onnx, generator-fp16.onnx, ..."""
    return "generator.onnx" if precision == "fp32" else f"generator-{precision}.onnx"


def matching_export(path: Path, checkpoint_sha256: str, precision: str) -> bool:
    """Whether ``path`` is a ganedge export of exactly this checkpoint in ``precision`` (read from its metadata)."""
    if not path.is_file():
        return False
    import onnxruntime as ort

    from ganedge.runtime.base import contract as keys

    try:
        props = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"]).get_modelmeta().custom_metadata_map
    except Exception:  # unreadable or foreign: export anew
        return False
    return props.get(keys.CHECKPOINT_SHA256_KEY) == checkpoint_sha256 and props.get(keys.PRECISION_KEY) == precision


def export_all(checkpoint: Path, out_dir: Path, existing_dir: Path | None = None) -> dict[str, Path]:
    """fp32, fp16 and int8 exports of ``checkpoint``: reused from ``existing_dir`` when they match, else made."""
    from ganedge.train.checkpoint import file_sha256

    digest = file_sha256(checkpoint)
    exports = {}
    for precision in PRECISIONS:
        found = existing_dir / export_name(precision) if existing_dir is not None else None
        if found is not None and matching_export(found, digest, precision):
            exports[precision] = found
            continue
        from ganedge.export.exporter import export_generator

        out_dir.mkdir(parents=True, exist_ok=True)
        exports[precision] = export_generator(checkpoint, out_dir / export_name(precision), precision=precision).path
    return exports


def prepare_models(run: Path | None, work_dir: Path, steps: int) -> BenchModel:
    """The checkpoint of ``run`` (or of a fresh ``steps``-step run) and its three exports in ``work_dir``.

    Examples
    --------
    >>> model = prepare_models(None, Path("/tmp/bench"), steps=200)   # doctest: +SKIP
    >>> sorted(model.exports)
    ['fp16', 'fp32', 'int8']
    """
    from ganedge.train.checkpoint import load_checkpoint

    if run is None:
        checkpoint = train_short_run(work_dir / "run", steps)
        origin = f"a fresh {steps}-step CPU training run (weights only matter for PSNR, not for speed)"
    else:
        checkpoint = run / "checkpoint.pt" if run.is_dir() else run
        origin = f"--run {run}"
    state = load_checkpoint(checkpoint)
    training = {"epochs": int(state["epoch"]), "steps": int(state["global_step"])}
    exports = export_all(checkpoint, work_dir / "exports", checkpoint.parent)
    return BenchModel(checkpoint, exports, origin, int(state["config"]["latent_dim"]), training)
