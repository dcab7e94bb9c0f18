"""Every bad input to ``gan-run``: one line on stderr, exit code 2, no traceback, no PNG."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from cli_checks import refused_in_one_line
from onnx_factory import write_no_metadata_model, write_wrong_input_model

from ganedge.runtime.commands.run import MAX_GRID_ROWS, MAX_IMAGES_PER_ROW, main
from ganedge.runtime.commands.shared import parse_perturb


def _refused(*args: str) -> str:
    return refused_in_one_line(main, *args, no_png=True)


BAD_PERTURBS = {
    "71": "needs the form N=V1,V2",
    "71:10": "needs the form N=V1,V2",
    "71=": "no values",
    "71=1,,2": "empty value",
    "71=1,": "empty value",
    "=10": "not a latent number",
    "x=10": "not a latent number",
    "1.5=10": "not a latent number",
    "71=ten": "'ten' in '71=ten' is not a number",
    "71=nan": "not a finite number",
    "71=-inf": "not a finite number",
    "71=1e400": "not a finite number",
    "0=10": "numbers count from 1",
    "-3=10": "numbers count from 1",
    "101=10": "count from 1 to 100",
    "71=10,10.0": "repeats a value",
}


@pytest.mark.parametrize("spec, reason", BAD_PERTURBS.items(), ids=list(BAD_PERTURBS))
def test_a_malformed_perturb_is_refused(
    model_file: Path, in_tmp: Path, spec: str, reason: str
) -> None:
    assert reason in _refused("--model", str(model_file), "--perturb", spec)


def test_the_same_latent_number_twice_is_refused(model_file: Path, in_tmp: Path) -> None:
    err = _refused("--model", str(model_file), "--perturb", "71=1", "--perturb", "71=2")
    assert "latent number 71 is given twice" in err


def test_more_rows_than_fit_a_readable_grid_are_refused(model_file: Path, in_tmp: Path) -> None:
    values = ",".join(str(v) for v in range(MAX_GRID_ROWS))
    assert f"at most {MAX_GRID_ROWS}" in _refused("--model", str(model_file), "--perturb", f"71={values}")


@pytest.mark.parametrize("n", ["0", "-1", str(MAX_IMAGES_PER_ROW + 1), "100000", "eight"])
def test_a_non_positive_or_absurd_n_is_refused(model_file: Path, in_tmp: Path, n: str) -> None:
    assert "--n" in _refused("--model", str(model_file), "--n", n)


@pytest.mark.parametrize("option, value", [("--seed", "-1"), ("--scale", "0"), ("--scale", "17"), ("--device", "gpu")])
def test_other_out_of_range_options_are_refused(
    model_file: Path, in_tmp: Path, option: str, value: str
) -> None:
    assert option in _refused("--model", str(model_file), option, value)


def test_a_missing_model_is_refused(in_tmp: Path) -> None:
    assert "no model file at" in _refused("--model", "missing.onnx")


def test_a_corrupt_model_is_refused(in_tmp: Path) -> None:
    (in_tmp / "corrupt.onnx").write_bytes(b"\x00garbage")
    assert "cannot load" in _refused("--model", "corrupt.onnx")


def test_a_model_with_another_input_shape_is_refused(in_tmp: Path) -> None:
    write_wrong_input_model(in_tmp / "wrong.onnx")
    assert "not a ganedge generator" in _refused("--model", "wrong.onnx")


def test_a_model_without_metadata_is_refused(in_tmp: Path) -> None:
    write_no_metadata_model(in_tmp / "plain.onnx")
    assert "export one with `gan-export`" in _refused("--model", "plain.onnx")


def test_no_model_anywhere_is_refused_with_what_to_do(
    in_tmp: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import ganedge.runtime.commands.shared as cli

    monkeypatch.setattr(cli, "BUNDLED_MODEL", in_tmp / "not-installed.onnx")
    assert "pass --model PATH" in _refused()


def test_cuda_on_this_machine_is_an_error_not_a_silent_cpu_run(
    model_file: Path, in_tmp: Path
) -> None:
    assert "--device cuda" in _refused("--model", str(model_file), "--device", "cuda")


@pytest.mark.parametrize("out", ["missing-folder/grid.png", ".", "a-file.txt/grid.png"], ids=["no-folder", "a-folder", "under-a-file"])
def test_an_unwritable_out_is_refused_before_any_work(
    model_file: Path, in_tmp: Path, out: str
) -> None:
    (in_tmp / "a-file.txt").write_text("not a folder")
    assert "--out" in _refused("--model", str(model_file), "--out", out)


def test_an_unwritable_npz_is_refused_before_the_png_is_written(
    model_file: Path, in_tmp: Path
) -> None:
    assert "--npz" in _refused("--model", str(model_file), "--npz", "missing/arrays.npz")


def test_an_unknown_option_is_one_line_too(in_tmp: Path) -> None:
    assert "--colour" in _refused("--colour", "red")


def test_parse_perturb_accepts_negative_and_fractional_values() -> None:
    assert parse_perturb("71=-10,10,100") == (71, (-10.0, 10.0, 100.0))
    assert parse_perturb(" 100 = -50, -0.5 ,1e1") == (100, (-50.0, -0.5, 10.0))


def test_the_installed_entry_point_prints_one_line_and_exits_2(in_tmp: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "ganedge.runtime", "--model", "missing.onnx"], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 2
    assert result.stderr.strip().count("\n") == 0 and result.stderr.startswith("Error: ")
