"""``gan-run``: the report's figures as PNG grids, reproducibly, from the right model."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from cli_checks import read_npz as _npz
from onnx_factory import write_generator
from PIL import Image

import ganedge.runtime.commands.shared as cli
from ganedge.runtime import GeneratorModel
from ganedge.runtime.commands.run import main

CELL = 28 * 3 + 2  # default scale 3 plus the 2 px gap
REPORT_EXPERIMENTS = {
    "2=0,10,100": ["random z", "#2 = 0", "#2 = 10", "#2 = 100"],
    "71=-10,10,100": ["random z", "#71 = -10", "#71 = 10", "#71 = 100"],
    "100=-50,-10,10": ["random z", "#100 = -50", "#100 = -10", "#100 = 10"],
}


def _run(*args: str) -> int:
    return main(list(args))


def test_no_options_draws_one_row_of_eight_random_images(model_file: Path, in_tmp: Path) -> None:
    assert _run("--model", str(model_file)) == 0
    picture = Image.open(in_tmp / "gan-run.png")
    assert picture.height == 2 + CELL and picture.width > 2 + 8 * CELL  # one row, 8 images, a label margin


@pytest.mark.parametrize("perturb, labels", REPORT_EXPERIMENTS.items(), ids=list(REPORT_EXPERIMENTS))
def test_each_report_experiment_gives_the_unmodified_row_and_one_row_per_value(
    model_file: Path, in_tmp: Path, perturb: str, labels: list[str]
) -> None:
    assert _run("--model", str(model_file), "--perturb", perturb, "--npz", "rows.npz") == 0
    arrays = _npz(in_tmp / "rows.npz")
    assert arrays["labels"].tolist() == labels
    assert arrays["images"].shape == (4, 8, 28, 28) and arrays["images"].dtype == np.uint8
    assert arrays["latents"].shape == (4, 8, 100) and arrays["latents"].dtype == np.float32
    number = int(perturb.split("=")[0])
    values = [float(v) for v in perturb.split("=")[1].split(",")]
    assert [float(v) for v in arrays["latents"][1:, 0, number - 1]] == values
    assert Image.open(in_tmp / "gan-run.png").height == 2 + 4 * CELL


def test_the_reports_three_experiments_stack_into_one_grid(model_file: Path, in_tmp: Path) -> None:
    perturbs = [arg for spec in REPORT_EXPERIMENTS for arg in ("--perturb", spec)]
    assert _run("--model", str(model_file), *perturbs, "--out", "report.png", "--npz", "report.npz") == 0
    arrays = _npz(in_tmp / "report.npz")
    assert arrays["labels"].tolist() == [label for labels in REPORT_EXPERIMENTS.values() for label in labels]
    assert Image.open(in_tmp / "report.png").height == 2 + 12 * CELL


def test_the_npz_holds_what_the_api_would_give(model_file: Path, in_tmp: Path) -> None:
    assert _run("--model", str(model_file), "--perturb", "71=-10,10,100", "--seed", "5", "--n", "6", "--npz", "a.npz") == 0
    arrays = _npz(in_tmp / "a.npz")
    model = GeneratorModel(model_file, device="cpu")
    z = model.sample_latents(6, seed=5)
    assert np.array_equal(arrays["latents"][0], z)
    expected = [model.generate(z)] + [model.generate(row) for row in model.perturb(z, 71, [-10, 10, 100])]
    assert np.array_equal(arrays["images"], np.stack(expected))


def test_same_seed_and_model_give_byte_identical_files(model_file: Path, in_tmp: Path) -> None:
    for name in ("a", "b"):
        assert _run("--model", str(model_file), "--perturb", "2=0,10,100", "--out", f"{name}.png", "--npz", f"{name}.npz") == 0
    assert (in_tmp / "a.png").read_bytes() == (in_tmp / "b.png").read_bytes()
    assert (in_tmp / "a.npz").read_bytes() == (in_tmp / "b.npz").read_bytes()


def test_another_seed_gives_other_images(model_file: Path, in_tmp: Path) -> None:
    assert _run("--model", str(model_file), "--out", "a.png") == 0
    assert _run("--model", str(model_file), "--seed", "1", "--out", "b.png") == 0
    assert (in_tmp / "a.png").read_bytes() != (in_tmp / "b.png").read_bytes()


def test_scale_and_n_size_the_grid(model_file: Path, in_tmp: Path) -> None:
    assert _run("--model", str(model_file), "--n", "3", "--scale", "1") == 0
    picture = Image.open(in_tmp / "gan-run.png")
    assert picture.height == 2 + 28 + 2


def test_it_prints_the_model_the_provider_and_the_file_written(
    model_file: Path, in_tmp: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _run("--model", str(model_file), "--device", "cpu") == 0
    out = capsys.readouterr().out
    assert f"model: {model_file} (--model" in out
    assert "provider: CPUExecutionProvider" in out
    assert "wrote gan-run.png (1 x 8 images)" in out


def test_without_model_it_uses_runs_latest_when_present(
    model_file: Path, in_tmp: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (in_tmp / "runs" / "latest").mkdir(parents=True)
    write_generator(in_tmp / "runs" / "latest" / "generator.onnx")
    assert _run() == 0
    assert "model: runs/latest/generator.onnx (your latest export, runs/latest" in capsys.readouterr().out


def test_without_model_or_runs_latest_it_uses_the_bundled_model(
    model_file: Path, in_tmp: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(cli, "BUNDLED_MODEL", model_file)
    assert _run() == 0
    assert f"model: {model_file} (bundled with ganedge" in capsys.readouterr().out


def test_help_shows_the_reports_three_experiments_and_counts_numbers_from_one(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert _run("--help") == 0
    text = capsys.readouterr().out
    assert "Examples:" in text
    for spec in REPORT_EXPERIMENTS:
        assert f"gan-run --perturb {spec}" in text
    assert "count from 1" in text and "counted from 1" in text
