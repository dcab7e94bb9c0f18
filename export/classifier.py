"""The measuring classifier -> validated, self-describing ``.onnx`` (``gan-export --classifier``).

Same discipline as the generator: exact opset, validation against PyTorch on
fixed inputs, metadata the runtime needs (class names, feature size, test
accuracy), atomic write.
"""

from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
import onnx
import torch

from ganedge.runtime import metadata as keys
from ganedge.runtime.fashion_mnist import CLASS_NAMES
from ganedge.runtime.version import ganedge_version
from ganedge.train.checkpoint import file_sha256, load_tagged_state
from ganedge.train.errors import TrainError
from ganedge.train.classifier import ARCHITECTURE, FEATURE_DIM, FashionClassifier

from .convert import default_domain_opset, module_to_onnx
from .defaults import DEFAULT_ONNX_OPSET, VALIDATION_BATCH_SIZES, VALIDATION_SEED
from .errors import ExportError, ValidationError
from .exporter import ExportResult, check_writable, write_atomic, write_metadata

CLASSIFIER_ATOL = 1e-4  # convolutions sum 288-3136 products; float32 reordering stays far below this


def load_classifier_checkpoint(path: Path) -> dict:
    """Load ``classifier.pt`` (plain dict, ``weights_only``) and check its architecture."""
    try:
        return load_tagged_state(path, ARCHITECTURE, "gan-train-classifier")
    except TrainError as error:
        raise ExportError(str(error)) from None


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
        produced = session.run(list(keys.CLASSIFIER_OUTPUT_NAMES), {keys.CLASSIFIER_INPUT_NAME: images})
        diffs = {f"{name}_max_abs_diff": float(np.max(np.abs(p - e))) for name, p, e in zip(keys.CLASSIFIER_OUTPUT_NAMES, produced, expected)}
        figures[f"batch_{batch}"] = diffs
        failures += [f"batch {batch}: {k} {v:.3g} > {CLASSIFIER_ATOL:g}" for k, v in diffs.items() if not v <= CLASSIFIER_ATOL]
    if failures:
        raise ValidationError("classifier export does not reproduce PyTorch: " + "; ".join(failures), figures)
    return figures


def export_classifier(checkpoint: Path, out: Path | None = None, opset: int = DEFAULT_ONNX_OPSET) -> ExportResult:
    """Export the classifier of ``checkpoint`` (default ``classifier.onnx`` beside it).

    Examples
    --------
    >>> export_classifier(Path("runs/classifier/classifier.pt")).path     # doctest: +SKIP
    PosixPath('runs/classifier/classifier.onnx')
    """
    state = load_classifier_checkpoint(checkpoint)
    classifier = FashionClassifier()
    classifier.load_state_dict(state["model"])
    out = out if out is not None else checkpoint.with_name("classifier.onnx")
    check_writable(out)
    model = module_to_onnx(classifier, torch.zeros(2, 1, 28, 28), keys.CLASSIFIER_INPUT_NAME, list(keys.CLASSIFIER_OUTPUT_NAMES), opset)
    figures = validate_classifier(model, classifier)
    write_metadata(model, {
        keys.FORMAT_KEY: keys.FORMAT_CLASSIFIER,
        keys.KIND_KEY: "classifier",
        keys.IMAGE_SHAPE_KEY: json.dumps([1, 28, 28]),
        keys.VALUE_RANGE_KEY: json.dumps([-1.0, 1.0]),
        keys.CLASS_NAMES_KEY: json.dumps(list(CLASS_NAMES)),
        keys.FEATURE_DIM_KEY: str(FEATURE_DIM),
        keys.TEST_ACCURACY_KEY: f"{float(state['test_accuracy']):.4f}",
        keys.OPSET_KEY: str(default_domain_opset(model)),
        keys.VERSION_KEY: ganedge_version(),
        keys.ARCHITECTURE_KEY: ARCHITECTURE,
        keys.TRAINING_KEY: json.dumps({k: state[k] for k in ("epochs", "seed", "data_md5")}, sort_keys=True),
        keys.CHECKPOINT_SHA256_KEY: file_sha256(checkpoint),
        keys.EXPORTED_AT_KEY: datetime.now(timezone.utc).isoformat(timespec="seconds"),
        keys.VALIDATION_KEY: json.dumps({"reference": "PyTorch", "onnxruntime": "CPU", **figures}, sort_keys=True),
    })
    onnx.checker.check_model(model, full_check=True)
    size = write_atomic(model, out)
    return ExportResult(out, default_domain_opset(model), "fp32", figures, size)
