"""The measuring classifier -> validated, self-describing ``.onnx`` (``gan-export --classifier``).

Same discipline as the generator: exact opset, validation against PyTorch on
fixed inputs, metadata the runtime needs (class names, feature size, test
accuracy), atomic write.
"""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import numpy as np
import onnx
import torch

from ganedge.runtime.base.contract import CLASSIFIER_INPUT_NAME, CLASSIFIER_OUTPUT_NAMES, classifier_props
from ganedge.runtime.base.dataset import CLASS_NAMES
from ganedge.runtime.base.files import check_outputs
from ganedge.runtime.base.version import ganedge_version
from ganedge.train.checkpoint import file_sha256, load_tagged_state
from ganedge.train.classifier import ARCHITECTURE, FEATURE_DIM, FashionClassifier

from .convert import default_domain_opset, module_to_onnx
from .defaults import DEFAULT_ONNX_OPSET, VALIDATION_BATCH_SIZES, VALIDATION_SEED
from .errors import ValidationError
from .exporter import ExportResult, write_metadata, write_model

CLASSIFIER_ATOL = 1e-4  # convolutions sum 288-3136 products; float32 reordering stays far below this


def validate_classifier(model: onnx.ModelProto, classifier: FashionClassifier) -> dict[str, dict[str, float]]:
    """Max abs difference of logits and features, onnxruntime (CPU) vs PyTorch, per batch size."""
    import onnxruntime as ort

    session = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
    rng = np.random.default_rng(VALIDATION_SEED)
    figures: dict[str, dict[str, float]] = {}
    failures = []
    for batch in VALIDATION_BATCH_SIZES:
        images = np.tanh(rng.standard_normal((batch, 1, 28, 28))).astype(np.float32)
        with torch.inference_mode():
            expected = [t.numpy() for t in classifier.eval()(torch.from_numpy(images))]
        produced = session.run(list(CLASSIFIER_OUTPUT_NAMES), {CLASSIFIER_INPUT_NAME: images})
        diffs = {f"{name}_max_abs_diff": float(np.max(np.abs(p - e))) for name, p, e in zip(CLASSIFIER_OUTPUT_NAMES, produced, expected)}
        figures[f"batch_{batch}"] = diffs
        failures += [f"batch {batch}: {k} {v:.3g} > {CLASSIFIER_ATOL:g}" for k, v in diffs.items() if not v <= CLASSIFIER_ATOL]
    if failures:
        raise ValidationError("classifier export does not reproduce PyTorch: " + "; ".join(failures) + "; no file was written", figures)
    return figures


def export_classifier(checkpoint: Path, out: Path | None = None, opset: int = DEFAULT_ONNX_OPSET) -> ExportResult:
    """Export the classifier of ``checkpoint`` (default ``classifier.onnx`` beside it).

    Examples
    --------
    >>> export_classifier(Path("runs/classifier/classifier.pt")).path     # doctest: +SKIP
    PosixPath('runs/classifier/classifier.onnx')
    """
    out = out if out is not None else checkpoint.with_name("classifier.onnx")
    check_outputs({"--out": out}, {"--classifier": checkpoint})
    state = load_tagged_state(checkpoint, ARCHITECTURE, "gan-train-classifier")
    classifier = FashionClassifier()
    classifier.load_state_dict(state["model"])
    model = module_to_onnx(classifier, torch.zeros(2, 1, 28, 28), CLASSIFIER_INPUT_NAME, list(CLASSIFIER_OUTPUT_NAMES), opset)
    figures = validate_classifier(model, classifier)
    write_metadata(model, classifier_props(
        class_names=CLASS_NAMES, feature_dim=FEATURE_DIM, test_accuracy=float(state["test_accuracy"]),
        opset=default_domain_opset(model), architecture=ARCHITECTURE, version=ganedge_version(),
        training={k: state[k] for k in ("epochs", "seed", "data_md5")}, checkpoint_sha256=file_sha256(checkpoint),
        exported_at=datetime.now(timezone.utc).isoformat(timespec="seconds"),
        validation={"reference": "PyTorch", "onnxruntime": "CPU", **figures},
    ))
    onnx.checker.check_model(model, full_check=True)
    size = write_model(model, out)
    return ExportResult(out, default_domain_opset(model), "fp32", figures, size)
