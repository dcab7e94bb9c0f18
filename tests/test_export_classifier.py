"""The measuring classifier: training on real data, export with two outputs, metadata; SeFa directions."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import numpy as np
import onnxruntime as ort
import pytest
import torch

from cli_checks import invoke
from ganedge.export.classifier import export_classifier
from ganedge.export.cli import main as export_main
from ganedge.runtime.base.sefa import factorize_first_layer
from ganedge.runtime.base import contract as keys
from ganedge.train.checkpoint import load_checkpoint
from ganedge.train.classifier import ARCHITECTURE, FashionClassifier, train_classifier
from ganedge.train.data import load_split


@pytest.fixture(scope="module")
def classifier_checkpoint(real_data_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One epoch on 3,000 real training images: quick, and already far better than chance."""
    train, test = load_split("train", real_data_dir), load_split("test", real_data_dir)
    result = train_classifier(train.images[:3000], train.labels[:3000], test.images[:1000], test.labels[:1000], epochs=1)
    path = tmp_path_factory.mktemp("classifier") / "classifier.pt"
    torch.save({"architecture": ARCHITECTURE, "model": result.model.state_dict(), "test_accuracy": result.test_accuracy,
                "epochs": 1, "seed": 0, "data_md5": train.checksums}, path)
    return path


def test_a_short_real_training_beats_chance_by_far(classifier_checkpoint: Path) -> None:
    assert torch.load(classifier_checkpoint, weights_only=True)["test_accuracy"] > 0.6


def test_classifier_exports_logits_and_features_matching_pytorch(classifier_checkpoint: Path, tmp_path: Path) -> None:
    result = export_classifier(classifier_checkpoint, tmp_path / "classifier.onnx")
    session = ort.InferenceSession(str(result.path), providers=["CPUExecutionProvider"])
    images = np.tanh(np.random.default_rng(0).standard_normal((5, 1, 28, 28))).astype(np.float32)
    logits, features = session.run(["logits", "features"], {"image": images})
    model = FashionClassifier()
    model.load_state_dict(torch.load(classifier_checkpoint, weights_only=True)["model"])
    with torch.inference_mode():
        expected_logits, expected_features = model.eval()(torch.from_numpy(images))
    assert logits.shape == (5, 10) and features.shape == (5, 128)
    assert np.max(np.abs(logits - expected_logits.numpy())) <= 1e-4
    assert np.max(np.abs(features - expected_features.numpy())) <= 1e-4
    props = session.get_modelmeta().custom_metadata_map
    assert props[keys.KIND_KEY] == "classifier" and json.loads(props[keys.CLASS_NAMES_KEY])[9] == "Ankle boot"


def test_generator_checkpoint_given_as_classifier_is_refused(smoke_run: Path) -> None:
    result = invoke(export_main, "--classifier", str(smoke_run / "checkpoint.pt"))
    assert result.code == 2 and "is not a checkpoint of 'fashion-cnn/1'" in result.output


def test_sefa_directions_are_unit_norm_orthogonal_and_ordered() -> None:
    weight = np.random.default_rng(0).standard_normal((128, 100))
    sefa = factorize_first_layer(weight)
    values, directions = sefa.eigenvalues, sefa.vectors
    assert np.all(np.diff(values) <= 0)
    assert np.allclose(directions @ directions.T, np.eye(100), atol=1e-8)
    top = directions[0]
    assert np.isclose(np.linalg.norm(weight @ top) ** 2, values[0])


def test_generator_export_stores_the_sefa_directions_of_its_first_layer(smoke_run: Path, tmp_path: Path) -> None:
    from ganedge.export.exporter import export_generator

    path = export_generator(smoke_run / "checkpoint.pt", tmp_path / "g.onnx").path
    props = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"]).get_modelmeta().custom_metadata_map
    stored = json.loads(props[keys.SEFA_KEY])
    directions = np.frombuffer(base64.b64decode(stored["directions"]), dtype="<f4").reshape(100, 100)
    weight = load_checkpoint(smoke_run / "checkpoint.pt")["generator"]["fc1.weight"].numpy()
    expected = factorize_first_layer(weight).vectors
    assert np.allclose(np.abs(np.sum(directions[:5] * expected[:5], axis=1)), 1.0, atol=1e-5)
