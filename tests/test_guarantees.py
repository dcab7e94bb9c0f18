"""What a user can rely on (README, Guarantees): nothing typed or read can destroy data, crash, or lie.

One section per class of failure an audit found; each case is a hostile
input or a fault, and the only accepted answer is the documented one: one
``Error:`` line and exit 2 (130 for Ctrl-C), with every file as it was.
"""

from __future__ import annotations

import errno
import gzip
import json
import os
import resource
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
from cli_checks import assert_refused, invoke
from onnx_factory import build_generator, write_model

from ganedge.export.cli import main as gan_export
from ganedge.runtime import GanRuntimeError, GeneratorModel, sample_latents
from ganedge.runtime.base import dataset
from ganedge.runtime.base.errors import DatasetError
from ganedge.runtime.commands.evaluate import main as gan_eval
from ganedge.runtime.commands.run import main as gan_run
from ganedge.runtime.commands.sweep import main as gan_sweep
from ganedge.train.checkpoint import load_checkpoint
from ganedge.train.cli import main as gan_train

from conftest import SMOKE_STEPS


def _files(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file()}


# --- 1. an output never replaces an input or another output --------------------------------------------

@pytest.mark.parametrize("command, args, what", [
    (gan_run, ["--out", "{model}"], "--model"),
    (gan_run, ["--out", "grid.png", "--npz", "{model}"], "--model"),
    (gan_run, ["--out", "same.png", "--npz", "same.png"], "--out"),
    (gan_run, ["--out", "./link-to-model"], "--model"),
    (gan_sweep, ["--out", "a.png", "--csv", "a.png"], "--out"),
    (gan_sweep, ["--out", "a.png", "--csv", "{model}"], "--model"),
    (gan_eval, ["--json", "{model}"], "--model"),
], ids=["run-out-model", "run-npz-model", "run-out-npz", "run-symlink-to-model", "sweep-out-csv", "sweep-csv-model",
        "eval-json-model"])
def test_an_output_that_is_an_input_or_another_output_is_refused_up_front(
    command, args: list[str], what: str, model_file: Path, in_tmp: Path
) -> None:
    model = in_tmp / "g.onnx"
    model.write_bytes(model_file.read_bytes())
    (in_tmp / "link-to-model").symlink_to(model)
    before = _files(in_tmp)
    err = assert_refused(invoke(command, "--model", str(model), *[a.format(model=model) for a in args]))
    assert what in err
    assert _files(in_tmp) == before


def test_gan_export_refuses_to_write_over_its_checkpoint(smoke_run: Path, tmp_path: Path) -> None:
    checkpoint = tmp_path / "c.pt"
    checkpoint.write_bytes((smoke_run / "checkpoint.pt").read_bytes())
    assert "--checkpoint" in assert_refused(invoke(gan_export, "--checkpoint", str(checkpoint), "--out", str(checkpoint)))
    assert load_checkpoint(checkpoint)["global_step"] == SMOKE_STEPS


# --- 2. a destination that is not a regular file is refused, never replaced; a symlink is followed -------

def test_a_device_as_out_is_refused_and_stays_a_device(model_file: Path, in_tmp: Path) -> None:
    assert "character device" in assert_refused(invoke(gan_run, "--model", str(model_file), "--out", "/dev/null"))
    assert Path("/dev/null").is_char_device()


def test_a_fifo_as_out_is_refused(model_file: Path, in_tmp: Path) -> None:
    os.mkfifo(in_tmp / "pipe")
    assert "FIFO" in assert_refused(invoke(gan_run, "--model", str(model_file), "--out", "pipe"))
    assert (in_tmp / "pipe").is_fifo()


def test_a_symlink_as_out_writes_its_target_and_stays_a_link(model_file: Path, in_tmp: Path) -> None:
    (in_tmp / "pictures").mkdir()
    (in_tmp / "latest.png").symlink_to(in_tmp / "pictures" / "grid.png")
    assert invoke(gan_run, "--model", str(model_file), "--out", "latest.png").code == 0
    assert (in_tmp / "latest.png").is_symlink()
    assert (in_tmp / "pictures" / "grid.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_a_name_too_long_for_the_file_system_is_one_line(model_file: Path, in_tmp: Path) -> None:
    assert_refused(invoke(gan_run, "--model", str(model_file), "--out", "x" * 300 + ".png"))


def test_a_folder_that_takes_no_files_is_refused_even_for_root(model_file: Path, in_tmp: Path) -> None:
    assert "cannot create a file" in assert_refused(invoke(gan_run, "--model", str(model_file), "--out", "/sys/grid.png"))


# --- 3. a damaged dataset is one DatasetError, never a traceback or a memory blow-up --------------------

def _dataset_copy(real_data_dir: Path, folder: Path) -> Path:
    for path in real_data_dir.glob("t10k-*.gz"):
        (folder / path.name).write_bytes(path.read_bytes())
    return folder


@pytest.mark.parametrize("seed", range(40))
def test_random_bit_flips_in_a_dataset_file_give_only_the_dataset_error(seed: int, real_data_dir: Path, tmp_path: Path) -> None:
    folder = _dataset_copy(real_data_dir, tmp_path)
    name = ("t10k-labels-idx1-ubyte.gz", "t10k-images-idx3-ubyte.gz")[seed % 2]
    data = bytearray((folder / name).read_bytes())
    rng = np.random.default_rng(seed)
    for position in rng.integers(0, len(data), size=1 + seed % 3):
        data[position] ^= 1 << int(rng.integers(0, 8))
    (folder / name).write_bytes(bytes(data))
    with pytest.raises(DatasetError):
        dataset.read_split(folder, "test")


@pytest.mark.parametrize("keep", [0, 10, 100, 5000])
def test_a_truncated_dataset_file_gives_the_dataset_error(keep: int, real_data_dir: Path, tmp_path: Path) -> None:
    folder = _dataset_copy(real_data_dir, tmp_path)
    path = folder / "t10k-labels-idx1-ubyte.gz"
    path.write_bytes(path.read_bytes()[:keep])
    with pytest.raises(DatasetError):
        dataset.read_split(folder, "test")


def test_a_decompression_bomb_is_refused_without_inflating_it(real_data_dir: Path, tmp_path: Path) -> None:
    folder = _dataset_copy(real_data_dir, tmp_path)
    with gzip.open(folder / "t10k-images-idx3-ubyte.gz", "wb", compresslevel=9) as stream:
        header = bytes([0, 0, 8, 3]) + (10_000).to_bytes(4, "big") + (28).to_bytes(4, "big") * 2
        stream.write(header)
        block = bytes(1 << 24)
        for _ in range(64):  # 1 GiB of zeros behind a ~1 MB file
            stream.write(block)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    with pytest.raises(DatasetError, match="longer"):
        dataset.read_split(folder, "test")
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before < 200 * 1024  # KiB: it never held the GiB


# --- 4. a full disk (or another OS error) while saving: one line, the last good state kept -------------

def _disk_full(*_: object, **__: object) -> None:
    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))


def test_gan_run_on_a_full_disk_is_one_line_and_leaves_no_file(model_file: Path, in_tmp: Path,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(Path, "write_bytes", _disk_full)
    assert "No space left on device" in assert_refused(invoke(gan_run, "--model", str(model_file)))
    assert list(in_tmp.iterdir()) == []


def _torch_save_fails_after(saves: int, monkeypatch: pytest.MonkeyPatch) -> None:
    from ganedge.train import checkpoint

    real_save, calls = checkpoint.torch.save, []

    def save(state: object, name: str) -> None:
        calls.append(name)
        if len(calls) > saves:
            Path(name).write_bytes(b"half")
            raise RuntimeError("[enforce fail at inline_container.cc:603] . PytorchStreamWriter failed writing file "
                               "data/0: file write failed\nframe #0: c10::ThrowEnforceNotMet")
        real_save(state, name)

    monkeypatch.setattr(checkpoint.torch, "save", save)


def test_gan_train_on_a_full_disk_before_the_first_checkpoint_leaves_no_run_and_no_latest(
    real_data_dir: Path, in_tmp: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _torch_save_fails_after(0, monkeypatch)
    err = assert_refused(invoke(gan_train, "--max-steps", "5", "--out", "runs/full", "--no-progress"))
    assert "cannot write checkpoint" in err and "file write failed" in err and "frame" not in err
    assert not (in_tmp / "runs" / "full").exists() and not (in_tmp / "runs" / "latest").is_symlink()


def test_gan_train_on_a_full_disk_later_keeps_the_last_good_checkpoint_and_latest(
    real_data_dir: Path, in_tmp: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _torch_save_fails_after(1, monkeypatch)
    assert_refused(invoke(gan_train, "--epochs", "3", "--batch-size", "6000", "--out", "runs/full", "--no-progress"))
    assert load_checkpoint(in_tmp / "runs" / "full" / "checkpoint.pt")["epoch"] == 1
    assert (in_tmp / "runs" / "latest").resolve() == (in_tmp / "runs" / "full").resolve()
    assert not [p for p in (in_tmp / "runs" / "full").iterdir() if p.name.endswith(".tmp")]


# --- 5. half-valid files: one line naming the file and the field ----------------------------------------

@pytest.mark.parametrize("damage, field", [
    (lambda s: s.pop("epoch"), "epoch"),
    (lambda s: s.update(epoch="three"), "epoch"),
    (lambda s: s.pop("config"), "config"),
    (lambda s: s["config"].update(latent_dim="100"), "config"),
    (lambda s: s["config"].update(latent_dim=10**9), "config"),
    (lambda s: s["config"].update(lr="fast"), "config"),
    (lambda s: s["generator"]["fc1.weight"].fill_(float("nan")), "generator"),
    (lambda s: s.update(discriminator_architecture="resnet/1"), "discriminator_architecture"),
], ids=["no-epoch", "epoch-text", "no-config", "latent-text", "latent-huge", "lr-text", "nan-weights", "foreign-d"])
def test_a_checkpoint_with_a_damaged_field_is_one_line_naming_it(damage, field: str, smoke_run: Path, tmp_path: Path) -> None:
    state = torch.load(smoke_run / "checkpoint.pt", weights_only=True)
    damage(state)
    torch.save(state, tmp_path / "damaged.pt")
    err = assert_refused(invoke(gan_export, "--checkpoint", str(tmp_path / "damaged.pt"), "--out", str(tmp_path / "g.onnx")))
    assert "damaged.pt" in err and field in err
    assert not (tmp_path / "g.onnx").exists()


def test_a_garbage_losses_csv_breaks_resume_with_one_line(smoke_run: Path, tmp_path: Path) -> None:
    run = tmp_path / "run"
    run.mkdir()
    for name in ("checkpoint.pt", "config.json"):
        (run / name).write_bytes((smoke_run / name).read_bytes())
    (run / "losses.csv").write_text("step,epoch,loss_d,loss_g\n1,1,abc\n\x00\x01")
    assert "losses.csv is damaged" in assert_refused(invoke(gan_train, "--resume", str(run), "--no-progress"))


def test_a_model_whose_declared_dims_lie_is_refused_when_opened(tmp_path: Path) -> None:
    from onnx_factory import write_lying_generator

    path = write_lying_generator(tmp_path / "lying.onnx")
    with pytest.raises(GanRuntimeError, match=r"computes shape \[2, 1, 10, 10\]"):
        GeneratorModel(path, device="cpu")
    assert "computes shape" in assert_refused(invoke(gan_run, "--model", str(path), "--out", str(tmp_path / "g.png")))


def test_a_model_that_fails_inside_onnxruntime_is_one_line(tmp_path: Path) -> None:
    path = write_model(build_generator(reshape_to=[2, 1, 28, 28]), tmp_path / "batch-two-only.onnx")
    model = GeneratorModel(path, device="cpu")  # the probe runs two latents: this file passes it
    with pytest.raises(GanRuntimeError, match="failed inside onnxruntime") as caught:
        model.generate(model.sample_latents(8))
    assert "\n" not in str(caught.value)
    assert "failed inside onnxruntime" in assert_refused(invoke(gan_run, "--model", str(path), "--out", str(tmp_path / "g.png")))


# --- 6. numbers that are not numbers ---------------------------------------------------------------------

@pytest.mark.parametrize("args", [["--perturb", "71=1e40"], ["--perturb", "71=2e6"], ["--direction", "1=1e39"]],
                         ids=["float32-overflow", "beyond-the-bound", "direction-overflow"])
def test_edit_values_beyond_what_the_generator_can_show_are_refused(args: list[str], model_file: Path, in_tmp: Path) -> None:
    assert "within +-1e+06" in assert_refused(invoke(gan_run, "--model", str(model_file), *args))


@pytest.mark.filterwarnings("error::RuntimeWarning")  # the one-line error only, no numpy overflow warning besides
@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf, 1e38])
def test_generate_refuses_latents_that_are_not_finite(bad: float, model_file: Path) -> None:
    model = GeneratorModel(model_file, device="cpu")
    z = model.sample_latents(4)
    z[2, 5] = bad
    with pytest.raises(GanRuntimeError, match="finite"):
        model.generate(z)
    with pytest.raises(GanRuntimeError, match="within"):
        model.perturb(model.sample_latents(4), 71, [1e40])


def test_sample_latents_that_cannot_fit_in_memory_is_the_runtimes_error() -> None:
    with pytest.raises(GanRuntimeError, match="memory"):
        sample_latents(10**10, seed=0, latent_dim=100)


@pytest.mark.parametrize("args, said", [
    (["--lr", "inf"], "--lr"), (["--lr", "nan"], "--lr"), (["--r1-gamma", "inf"], "--r1-gamma"),
    (["--r1-gamma", "nan"], "--r1-gamma"), (["--seed", str(2**64)], "--seed"), (["--latent-dim", str(10**8)], "--latent-dim"),
    (["--ema", "nan"], "--ema"),
], ids=["lr-inf", "lr-nan", "r1-inf", "r1-nan", "seed-2**64", "latent-10**8", "ema-nan"])
def test_training_options_that_are_not_numbers_are_refused(args: list[str], said: str, tmp_path: Path) -> None:
    assert said in assert_refused(invoke(gan_train, *args, "--out", str(tmp_path / "run")))
    assert not (tmp_path / "run").exists()


# --- 7. several outputs: all or nothing -------------------------------------------------------------------

def test_gan_run_that_fails_on_its_second_output_writes_neither(model_file: Path, in_tmp: Path,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    import zipfile

    monkeypatch.setattr(zipfile.ZipFile, "open", _disk_full)
    assert_refused(invoke(gan_run, "--model", str(model_file), "--out", "good.png", "--npz", "arrays.npz"))
    assert list(in_tmp.iterdir()) == []


def test_gan_sweep_that_fails_on_its_table_writes_no_heatmap(models: tuple[Path, Path], in_tmp: Path,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    from ganedge.runtime.base import files

    real = files.csv_writer

    def failing_csv_writer(*args: object) -> files.Writer:
        real(*args)
        return _disk_full

    monkeypatch.setattr(files, "csv_writer", failing_csv_writer)
    assert_refused(invoke(gan_sweep, "--model", str(models[0]), "--classifier", str(models[1]), "--n", "100",
                          "--sefa", "0", "--random", "0"))
    assert list(in_tmp.iterdir()) == []


# --- 8. Ctrl-C: one line, exit 130, a command that works afterwards ----------------------------------------

def test_ctrl_c_in_the_first_epoch_removes_the_empty_run_so_the_same_command_works_again(
    real_data_dir: Path, in_tmp: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from ganedge.train.loop import GanTrainer

    real_step, steps = GanTrainer.step, []

    def interrupted_step(self: GanTrainer, *args: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        steps.append(1)
        if len(steps) == 3:
            raise KeyboardInterrupt
        return real_step(self, *args)

    monkeypatch.setattr(GanTrainer, "step", interrupted_step)
    command = ["--max-steps", "5", "--out", "runs/first", "--no-progress"]
    result = invoke(gan_train, *command)
    assert result.code == 130 and "run the same command again" in result.out
    assert not (in_tmp / "runs" / "first").exists()
    assert invoke(gan_train, *command).code == 0


def test_ctrl_c_during_gan_export_is_exit_130_one_line_and_no_file(smoke_run: Path, tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    def interrupted_export(*args: object, **kwargs: object) -> None:
        try:
            raise KeyboardInterrupt
        except KeyboardInterrupt as interrupt:  # exporters wrap what they catch; the cause is still Ctrl-C
            raise RuntimeError("the exporter failed:\n" + "detail\n" * 10) from interrupt

    monkeypatch.setattr(torch.onnx, "export", interrupted_export)
    result = invoke(gan_export, "--checkpoint", str(smoke_run / "checkpoint.pt"), "--out", str(tmp_path / "g.onnx"))
    assert_refused(result, "interrupted", code=130)
    assert list(tmp_path.iterdir()) == []


# --- 9. messages: one line, and never advice that would be unsafe ------------------------------------------

class _Evil:
    def __reduce__(self) -> tuple[object, tuple[str]]:
        return os.system, ("touch pwned",)


def test_a_malicious_checkpoint_is_refused_without_advising_to_load_it_unsafely(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    torch.save({"architecture": "report-mlp-generator/1", "config": _Evil()}, tmp_path / "evil.pt")
    err = assert_refused(invoke(gan_export, "--checkpoint", str(tmp_path / "evil.pt"), "--out", str(tmp_path / "g.onnx")))
    assert "pickled code" in err and "weights_only" not in err
    assert not (tmp_path / "pwned").exists()


# --- 10. memory stays bounded whatever the rows ------------------------------------------------------------

def _peak_rss_mb(rows: int, model: Path, classifier: Path, folder: Path) -> float:
    code = ("import resource, sys\nfrom ganedge.runtime.commands.run import main\n"
            f"values = ','.join(str(v) for v in range(1, {rows}))\n"
            f"assert main(['--model', {str(model)!r}, '--classifier', {str(classifier)!r}, '--n', '10000', '--explain',"
            " '--perturb', f'71={values}', '--out', 'peak.png']) == 0\n"
            "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=folder, timeout=600)
    assert done.returncode == 0, done.stderr
    return float(done.stdout.strip().splitlines()[-1])


def test_explain_memory_does_not_grow_with_the_rows(models: tuple[Path, Path], tmp_path: Path) -> None:
    small, large = (_peak_rss_mb(rows, *models, tmp_path) for rows in (8, 64))
    assert large < small + 64  # 56 more rows of 10,000 images would be 440 MB of pixels alone


# --- the documented rules themselves -------------------------------------------------------------------------

def test_json_outputs_are_strict_json_never_bare_nan(tmp_path: Path) -> None:
    from ganedge.runtime.base.files import write_json

    with pytest.raises(GanRuntimeError, match="finite"):
        write_json(tmp_path / "x.json", {"fd": float("nan")})
    assert not (tmp_path / "x.json").exists()
    json.loads(write_json(tmp_path / "ok.json", {"fd": 1.5}).read_text())


def _console_scripts() -> list[tuple[str, str]]:
    """Every command setup.cfg installs, as (name, "module:function")."""
    import configparser

    config = configparser.ConfigParser()
    config.read(Path(__file__).parents[1] / "setup.cfg")
    lines = config["options.entry_points"]["console_scripts"].strip().splitlines()
    return [tuple(part.strip() for part in line.split("=", 1)) for line in lines]  # type: ignore[misc]


def test_setup_cfg_installs_the_nine_documented_commands() -> None:
    names = [name for name, _ in _console_scripts()]
    assert names == ["gan-train", "gan-train-classifier", "gan-export", "gan-run", "gan-eval", "gan-sweep",
                     "gan-serve", "gan-animate", "gan-project"]
    readme = (Path(__file__).parents[1] / "README.md").read_text()
    assert all(f"`{name}" in readme for name in names)


@pytest.mark.parametrize("name, target", _console_scripts())
def test_every_command_refuses_an_unknown_option_in_one_line_with_exit_2(name: str, target: str) -> None:
    import importlib

    module, function = target.split(":")
    assert function in ("main", "console"), f"{name}: {target}"  # console() = exit_process(main()), run in a child below
    assert_refused(invoke(importlib.import_module(module).main, "--no-such-option"), "--no-such-option")


def test_exit_process_flushes_what_was_written_without_a_newline_and_keeps_the_exit_code() -> None:
    code = ("import sys; from ganedge.runtime.commands.shared import exit_process; "
            "sys.stdout.write('no newline'); sys.stderr.write('half a line'); exit_process(3)")
    buffered = {key: value for key, value in os.environ.items() if key != "PYTHONUNBUFFERED"}
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, env=buffered)
    assert (done.returncode, done.stdout, done.stderr) == (3, "no newline", "half a line")


@pytest.mark.parametrize("name, target", [(name, target) for name, target in _console_scripts()
                                          if target.endswith(":console")])
def test_console_scripts_that_end_at_once_still_deliver_their_output_and_exit_code(
        name: str, target: str, tmp_path: Path) -> None:
    """``console()`` skips the interpreter's teardown (os._exit): stdout and stderr through pipes must arrive whole."""
    module = target.split(":")[0]

    def console(*args: str) -> subprocess.CompletedProcess[str]:
        code = f"import sys; sys.argv = [{name!r}, *{list(args)!r}]; from {module} import console; console()"
        buffered = {key: value for key, value in os.environ.items() if key != "PYTHONUNBUFFERED"}  # as a user runs it
        return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path, timeout=120,
                              env=buffered)

    refused = console("--no-such-option")
    assert refused.returncode == 2 and refused.stderr.startswith("Error: ") and refused.stderr.count("\n") == 1
    assert "--no-such-option" in refused.stderr
    helped = console("--help")
    assert helped.returncode == 0 and helped.stdout.startswith("Usage: ") and helped.stdout.endswith("\n")
    if name == "gan-run":  # the whole job: every printed line arrives, and the PNG is complete
        done = console("--n", "4", "--out", "grid.png")
        assert done.returncode == 0, done.stderr
        assert done.stdout.splitlines()[0].startswith("model: ") and done.stdout.splitlines()[-1].startswith("wrote ")
        assert (tmp_path / "grid.png").read_bytes().endswith(b"IEND\xaeB`\x82")  # a PNG's last chunk, CRC included
