"""gan-train's bad input: one line on stderr, exit code 2, nothing half-written."""

from __future__ import annotations

from pathlib import Path

import pytest

from cli_checks import Outcome, assert_refused, invoke
from ganedge.train.cli import main


def _run(*args: str) -> Outcome:
    return invoke(main, *args)




@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--epochs", "0"], "--epochs must be positive"),
        (["--lr", "0"], "--lr must be positive"),
        (["--lr", "-1e-3"], "--lr must be positive"),
        (["--batch-size", "60001"], "--batch-size must be between 1 and the dataset size"),
        (["--batch-size", "0"], "--batch-size must be between"),
        (["--betas", "0.5"], "expected two numbers"),
        (["--betas", "1.0,0.9"], "--betas must both be in [0, 1)"),
        (["--max-steps", "0"], "--max-steps must be positive"),
        (["--keep-best"], "--keep-best picks among measured epochs: add --eval-every K"),
        (["--ema", "1"], "--ema must be in [0, 1)"),
        (["--ema", "-0.5"], "--ema must be in [0, 1)"),
    ],
)
def test_nonsense_hyperparameters_are_refused(tmp_path: Path, args: list[str], message: str) -> None:
    result = _run(*args, "--out", str(tmp_path / "run"))
    assert_refused(result, message)
    assert not (tmp_path / "run").exists()


def test_existing_run_folder_is_refused_without_resume_or_overwrite(smoke_run: Path) -> None:
    assert_refused(_run("--out", str(smoke_run), "--max-steps", "1"), "already exists")


def test_overwrite_refuses_to_delete_a_folder_that_is_not_a_run(tmp_path: Path) -> None:
    (tmp_path / "precious.txt").write_text("keep me")
    assert_refused(_run("--out", str(tmp_path), "--overwrite", "--max-steps", "1"), "not a ganedge run folder")
    assert (tmp_path / "precious.txt").read_text() == "keep me"


def test_unwritable_out_is_refused() -> None:
    """/sys takes no new files even from root (os.access says yes to root there), so this runs in CI too."""
    assert_refused(_run("--out", "/sys/ganedge-run", "--max-steps", "1"), "cannot write")


def test_out_that_is_a_file_is_refused(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("x")
    result = _run("--out", str(tmp_path / "file" / "run"), "--max-steps", "1")
    assert_refused(result, "cannot write")


def test_cuda_without_cuda_is_an_error_not_a_cpu_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import torch

    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    assert_refused(_run("--device", "cuda", "--out", str(tmp_path / "run")), "no CUDA device")
    assert not (tmp_path / "run").exists()


def test_resume_of_a_foreign_checkpoint_is_refused(tmp_path: Path) -> None:
    import torch

    (tmp_path / "run").mkdir()
    torch.save({"architecture": "resnet50", "config": {}}, tmp_path / "run" / "checkpoint.pt")
    assert_refused(_run("--resume", str(tmp_path / "run")), "is not a checkpoint of 'report-mlp-generator/1'")


def test_resume_of_a_corrupt_checkpoint_is_refused(tmp_path: Path) -> None:
    (tmp_path / "run").mkdir()
    (tmp_path / "run" / "checkpoint.pt").write_bytes(b"\x00garbage")
    assert_refused(_run("--resume", str(tmp_path / "run")), "not a readable ganedge checkpoint")


def test_resume_refuses_to_change_the_runs_hyperparameters(smoke_run: Path) -> None:
    assert_refused(_run("--resume", str(smoke_run), "--lr", "0.1"), "--lr cannot be changed on --resume")


def test_missing_dataset_says_how_to_get_it(tmp_path: Path) -> None:
    assert_refused(_run("--data-dir", str(tmp_path), "--out", str(tmp_path / "run")), "apt-get install dataset-fashion-mnist")
    assert not (tmp_path / "run").exists()


def test_help_explains_with_examples() -> None:
    result = _run("--help")
    assert result.code == 0
    assert "Examples:" in result.output and "--resume" in result.output


def test_without_torch_help_works_and_training_names_the_extra(tmp_path: Path) -> None:
    import subprocess
    import sys

    block_torch = "import sys; sys.modules['torch'] = None; from ganedge.train.cli import main; raise SystemExit(main())"
    helped = subprocess.run([sys.executable, "-c", block_torch, "--help"], cwd=tmp_path, capture_output=True, text=True)
    assert helped.returncode == 0 and "Examples:" in helped.stdout
    result = subprocess.run([sys.executable, "-c", block_torch, "--epochs", "1"], cwd=tmp_path, capture_output=True, text=True)
    assert result.returncode == 2
    assert "pip install 'ganedge[train]'" in result.stderr and "Traceback" not in result.stderr
