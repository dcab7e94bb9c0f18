"""``gan-eval`` and its metrics: FD, precision/recall and class histograms beside a floor and noise.

Measured on the real FashionMNIST with small factory models: the classifier is
a random projection, which is enough for the metric's properties (real vs
real is close, noise is far) without training anything.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from cli_checks import refused_in_one_line

from ganedge.runtime import ClassifierModel, GeneratorModel
from ganedge.runtime.commands.evaluate import main
from ganedge.runtime.measure.evaluate import MIN_EVAL_N, Evaluation, evaluate, floor_subset, noise_pixels
from ganedge.runtime.base.dataset import Split, read_split
from ganedge.runtime.measure.metrics import frechet_distance_between, manifold_radii, precision_recall

QUICK_TEST_IMAGES = 2000  # the API tests measure against part of the test split; the CLI uses all of it


@pytest.fixture(scope="module")
def splits(real_data_dir: Path) -> tuple[Split, Split]:
    return read_split(real_data_dir, "test"), read_split(real_data_dir, "train")


@pytest.fixture(scope="module")
def evaluation(models: tuple[Path, Path], splits: tuple[Split, Split]) -> Evaluation:
    generator, classifier = (GeneratorModel(models[0], "cpu"), ClassifierModel(models[1], "cpu"))
    return evaluate(generator, classifier, splits[0].images[:QUICK_TEST_IMAGES], splits[1].images, n=MIN_EVAL_N, seed=0)


def _refused(*args: str) -> str:
    return refused_in_one_line(main, *args)


def test_the_frechet_distance_of_a_set_with_itself_is_zero() -> None:
    features = np.random.default_rng(0).gamma(2.0, size=(2000, 128))
    assert frechet_distance_between(features, features) == pytest.approx(0.0, abs=1e-6)


def test_the_frechet_distance_of_shifted_gaussians_is_the_squared_shift() -> None:
    features = np.random.default_rng(0).normal(size=(5000, 8))
    assert frechet_distance_between(features, features + 2.0) == pytest.approx(8 * 4.0, rel=1e-6)


def test_precision_and_recall_of_a_set_against_itself_are_one() -> None:
    features = np.random.default_rng(0).normal(size=(800, 16)).astype(np.float32)
    assert precision_recall(features, features) == (1.0, 1.0)


def test_precision_recall_with_precomputed_real_radii_gives_the_same_numbers() -> None:
    rng = np.random.default_rng(1)
    real, generated = rng.normal(size=(600, 8)), rng.normal(0.5, 1.0, size=(400, 8))
    assert precision_recall(real, generated, real_radii=manifold_radii(real)) == precision_recall(real, generated)


def test_the_floor_is_far_below_the_noise_reference(evaluation: Evaluation) -> None:
    assert evaluation.floor.frechet_distance * 10 < evaluation.noise.frechet_distance
    assert evaluation.floor.precision > 0.5 and evaluation.floor.recall > 0.5
    assert evaluation.noise.precision < 0.05 and evaluation.noise.recall < 0.05


def test_class_shares_are_a_histogram_and_classes_present_counts_those_over_two_percent(evaluation: Evaluation) -> None:
    for quality in evaluation.sets().values():
        assert quality.class_shares.shape == (10,)
        assert quality.class_shares.sum() == pytest.approx(1.0)
        assert quality.classes_present == int((quality.class_shares >= 0.02).sum())
        assert 0.1 <= quality.mean_confidence <= 1.0


def test_the_floor_uses_the_same_training_images_whatever_the_seed() -> None:
    train = np.arange(60_000 * 4, dtype=np.uint32).astype(np.uint8).reshape(60_000, 2, 2)
    assert np.array_equal(floor_subset(train, 1000), floor_subset(train, 1000))
    assert not np.array_equal(noise_pixels(10, seed=0), noise_pixels(10, seed=1))


def test_gan_eval_prints_the_table_and_writes_the_same_json_for_the_same_seed(
    models: tuple[Path, Path], in_tmp: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    common = ["--model", str(models[0]), "--classifier", str(models[1]), "--n", str(MIN_EVAL_N), "--device", "cpu"]
    assert main([*common, "--json", "a.json"]) == 0
    out = capsys.readouterr().out
    assert "floor (train vs test)" in out and "Frechet distance" in out and "classes >= 2%" in out
    assert main([*common, "--json", "b.json"]) == 0
    assert (in_tmp / "a.json").read_bytes() == (in_tmp / "b.json").read_bytes()
    payload = json.loads((in_tmp / "a.json").read_text())
    assert payload["n"] == MIN_EVAL_N and set(payload) >= {"generator", "floor", "noise"}
    assert sum(payload["floor"]["class_shares"].values()) == pytest.approx(1.0, abs=1e-5)


def test_too_few_images_for_the_metric_are_refused(models: tuple[Path, Path], in_tmp: Path) -> None:
    err = _refused("--model", str(models[0]), "--classifier", str(models[1]), "--n", str(MIN_EVAL_N - 1))
    assert "--n" in err


def test_a_classifier_given_as_the_generator_is_refused(models: tuple[Path, Path], in_tmp: Path) -> None:
    assert "classifier" in _refused("--model", str(models[1]), "--classifier", str(models[1]))


def test_a_generator_given_as_the_classifier_is_refused(models: tuple[Path, Path], in_tmp: Path) -> None:
    err = _refused("--model", str(models[0]), "--classifier", str(models[0]))
    assert "is a ganedge generator, not the classifier" in err


def test_a_data_dir_without_fashion_mnist_is_refused(models: tuple[Path, Path], in_tmp: Path) -> None:
    err = _refused("--model", str(models[0]), "--classifier", str(models[1]), "--data-dir", str(in_tmp))
    assert "apt-get install dataset-fashion-mnist" in err


def test_missing_fashion_mnist_is_one_line_with_the_apt_hint(
    models: tuple[Path, Path], in_tmp: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import ganedge.runtime.base.dataset as fashion_mnist

    monkeypatch.setattr(fashion_mnist, "DEBIAN_DIR", in_tmp / "no-debian")
    monkeypatch.setattr(fashion_mnist, "CACHE_DIR", in_tmp / "no-cache")
    err = _refused("--model", str(models[0]), "--classifier", str(models[1]))
    assert "apt-get install dataset-fashion-mnist" in err


def test_no_bundled_classifier_is_refused_with_what_to_do(
    models: tuple[Path, Path], in_tmp: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import ganedge.runtime.measure.classifier as classifier

    monkeypatch.setattr(classifier, "BUNDLED_CLASSIFIER", in_tmp / "not-installed.onnx")
    assert "gan-train-classifier" in _refused("--model", str(models[0]))
