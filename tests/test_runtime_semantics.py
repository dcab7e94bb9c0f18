"""Latent semantics, measured: ``gan-run --explain`` class shares and the ``gan-sweep`` ranking."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest
from cli_checks import refused_in_one_line, read_npz as _npz
from onnx_factory import write_generator
from PIL import Image

from ganedge.runtime import ClassifierModel, GeneratorModel
from ganedge.runtime.commands.run import main as gan_run
from ganedge.runtime.generator.directions import random_directions
from ganedge.runtime.measure.shares import class_shares, total_variation
from ganedge.runtime.measure.sweep import SweepResult, sweep_directions, sweep_heatmap, sweep_latent_numbers
from ganedge.runtime.measure.tables import format_shares
from ganedge.runtime.commands.sweep import main as gan_sweep


@pytest.fixture(scope="module")
def loaded(models: tuple[Path, Path]) -> tuple[GeneratorModel, ClassifierModel]:
    return GeneratorModel(models[0], "cpu"), ClassifierModel(models[1], "cpu")


def _refused(command, *args: str) -> str:  # type: ignore[no-untyped-def]
    return refused_in_one_line(command, *args)


def test_class_shares_count_the_argmax_of_each_image() -> None:
    probabilities = np.array([[0.7, 0.2, 0.1], [0.1, 0.8, 0.1], [0.6, 0.3, 0.1], [0.2, 0.3, 0.5]])
    assert class_shares(probabilities).tolist() == [0.5, 0.25, 0.25]


def test_total_variation_is_zero_for_the_same_histogram_and_one_for_disjoint_ones() -> None:
    assert total_variation(np.array([0.5, 0.5, 0.0]), np.array([0.5, 0.5, 0.0])) == 0.0
    assert total_variation(np.array([1.0, 0.0]), np.array([0.0, 1.0])) == 1.0


def test_explain_shares_sum_to_one_per_row(models: tuple[Path, Path], in_tmp: Path, capsys: pytest.CaptureFixture[str]) -> None:
    args = ["--model", str(models[0]), "--classifier", str(models[1]), "--perturb", "71=-10,10,100", "--explain"]
    assert gan_run([*args, "--npz", "rows.npz"]) == 0
    arrays = _npz(in_tmp / "rows.npz")
    assert arrays["class_shares"].shape == (4, 10)
    assert np.allclose(arrays["class_shares"].sum(axis=1), 1.0)
    assert np.all(np.isclose(arrays["class_shares"] * 8, np.round(arrays["class_shares"] * 8)))  # 1/8 steps for 8 images
    out = capsys.readouterr().out
    assert "class shares per row (8 images each)" in out and "#71 = 100" in out


def test_explain_with_2000_latents_gives_shares_finer_than_eighths_and_shows_8_per_row(
    models: tuple[Path, Path], in_tmp: Path
) -> None:
    args = ["--model", str(models[0]), "--perturb", "2=0,10,100"]
    assert gan_run([*args, "--n", "2000", "--explain", "--classifier", str(models[1]), "--npz", "big.npz", "--out", "big.png"]) == 0
    assert gan_run([*args, "--out", "small.png"]) == 0
    shares = _npz(in_tmp / "big.npz")["class_shares"]
    assert np.allclose(shares.sum(axis=1), 1.0)
    assert not np.all(np.isclose(shares * 8, np.round(shares * 8)))
    assert Image.open(in_tmp / "big.png").size == Image.open(in_tmp / "small.png").size


def test_explain_leaves_the_png_byte_identical(models: tuple[Path, Path], in_tmp: Path) -> None:
    args = ["--model", str(models[0]), "--perturb", "71=-10,10,100"]
    assert gan_run([*args, "--out", "plain.png"]) == 0
    assert gan_run([*args, "--out", "explained.png", "--explain", "--classifier", str(models[1])]) == 0
    assert (in_tmp / "plain.png").read_bytes() == (in_tmp / "explained.png").read_bytes()


def test_explain_in_png_writes_a_caption_under_every_row(models: tuple[Path, Path], in_tmp: Path) -> None:
    args = ["--model", str(models[0]), "--perturb", "71=-10,10,100"]
    assert gan_run([*args, "--out", "plain.png"]) == 0
    assert gan_run([*args, "--out", "captioned.png", "--explain-in-png", "--classifier", str(models[1])]) == 0
    plain, captioned = Image.open(in_tmp / "plain.png"), Image.open(in_tmp / "captioned.png")
    assert captioned.width == plain.width and captioned.height > plain.height + 4 * 10


def test_more_than_a_readable_row_without_explain_is_refused(models: tuple[Path, Path], in_tmp: Path) -> None:
    assert "--explain" in _refused(gan_run, "--model", str(models[0]), "--n", "2000")


def test_a_classifier_without_explain_is_refused(models: tuple[Path, Path], in_tmp: Path) -> None:
    assert "--classifier" in _refused(gan_run, "--model", str(models[0]), "--classifier", str(models[1]))


def test_a_generator_given_as_the_explain_classifier_is_refused(models: tuple[Path, Path], in_tmp: Path) -> None:
    err = _refused(gan_run, "--model", str(models[0]), "--explain", "--classifier", str(models[0]))
    assert "not the classifier" in err and not list(in_tmp.glob("*.png"))


def test_format_shares_lists_the_top_classes_largest_first() -> None:
    shares = np.array([0.125, 0.625, 0.25, 0.0])
    assert format_shares(shares, ["T-shirt/top", "Trouser", "Bag", "Coat"]) == "Trouser 62.5%, Bag 25.0%, T-shirt/top 12.5%"
    assert format_shares(shares, ["T-shirt/top", "Trouser", "Bag", "Coat"], top=2, short=True) == "Trouser 62%  Bag 25%"


def test_the_sweep_measures_every_latent_number_at_every_value(loaded: tuple[GeneratorModel, ClassifierModel]) -> None:
    generator, classifier = loaded
    result = sweep_latent_numbers(generator, classifier, generator.sample_latents(100, seed=0), (-3, 3))
    assert result.shares.shape == (100, 2, 10) and result.tv.shape == (100, 2)
    assert np.allclose(result.shares.sum(axis=2), 1.0) and np.allclose(result.base_shares.sum(), 1.0)
    assert sorted(result.ranking().tolist()) == list(range(100))
    assert np.all(np.diff(result.strength[result.ranking()]) <= 0)
    assert result.labels[:2] == ("#1", "#2")


def test_walking_a_direction_by_zero_changes_nothing(loaded: tuple[GeneratorModel, ClassifierModel]) -> None:
    generator, classifier = loaded
    result = sweep_directions(generator, classifier, generator.sample_latents(100, seed=0),
                              random_directions(3, 100), (0.0, 4.0), ["random 1", "random 2", "random 3"])
    assert np.all(result.tv[:, 0] == 0)


def test_the_sweep_table_has_one_row_per_edit_and_value() -> None:
    shares = np.array([[[0.5, 0.5], [1.0, 0.0]], [[0.5, 0.5], [0.5, 0.5]]])
    result = SweepResult(("#1", "#2"), (-3.0, 3.0), np.array([0.5, 0.5]), shares, ("a", "b"), 2)
    rows = result.rows()
    assert [(r["rank"], r["edit"], r["value"]) for r in rows] == [(1, "#1", -3.0), (1, "#1", 3.0), (2, "#2", -3.0), (2, "#2", 3.0)]
    assert rows[1]["tv"] == 0.5 and rows[1]["gained"] == "a" and rows[1]["gain"] == 0.5
    assert sweep_heatmap(result, top=2).mode == "RGB"


def test_gan_sweep_writes_a_ranked_table_and_a_heatmap(models: tuple[Path, Path], in_tmp: Path,
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    args = ["--model", str(models[0]), "--classifier", str(models[1]), "--n", "100", "--sefa", "3", "--random", "4"]
    assert gan_sweep(args) == 0
    out = capsys.readouterr().out
    assert "strongest 10 latent numbers" in out and "SeFa / random" in out and "#71" in out
    with open(in_tmp / "gan-sweep.csv", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == (100 + 3 + 4) * 2
    assert {row["family"] for row in rows} == {"latent", "sefa", "random"}
    heatmap = Image.open(in_tmp / "gan-sweep.png")
    assert heatmap.mode == "RGB" and heatmap.width > 800


@pytest.mark.parametrize("args, reason", [
    (["--n", "99"], "--n"),
    (["--values", "3,x"], "not a number"),
    (["--values", "3,3"], "repeats"),
    (["--sefa", "101"], "stores 100 SeFa directions"),
])
def test_bad_sweep_options_are_refused(models: tuple[Path, Path], in_tmp: Path,
                                       args: list[str], reason: str) -> None:
    assert reason in _refused(gan_sweep, "--model", str(models[0]), "--classifier", str(models[1]), *args)
    assert not list(in_tmp.iterdir())


def test_gan_sweep_on_a_model_without_sefa_directions_says_to_re_export(
    in_tmp: Path, models: tuple[Path, Path]
) -> None:
    old = write_generator(in_tmp / "old.onnx")
    assert "re-export" in _refused(gan_sweep, "--model", str(old), "--classifier", str(models[1]))
