"""Latent tools, part 3: ``gan-run --latents FILE`` (the report's experiment on given latents) and
``gan-run --seeds A-B --outdir DIR`` (one image per seed, StyleGAN's convention)."""

from __future__ import annotations

import zipfile
from pathlib import Path

import numpy as np
import pytest
from cli_checks import assert_refused, invoke, read_npz
from onnx_factory import write_generator
from PIL import Image

import ganedge.runtime.commands.seeds as seeds_module
from ganedge.runtime import GeneratorModel
from ganedge.runtime.commands.project import main as gan_project
from ganedge.runtime.commands.run import main as gan_run
from ganedge.runtime.commands.seeds import parse_seeds, seed_file_name


def _ok(*args: str) -> str:
    outcome = invoke(gan_run, *args)
    assert outcome.code == 0, outcome.output
    return outcome.output


# --latents


def test_latents_from_an_npy_replace_the_sampled_ones(model_file: Path, in_tmp: Path) -> None:
    z = np.random.default_rng(3).standard_normal((5, 100)).astype(np.float32)
    np.save(in_tmp / "z.npy", z)
    _ok("--model", str(model_file), "--latents", "z.npy", "--perturb", "71=-10,10,100", "--npz", "rows.npz")
    arrays = read_npz(in_tmp / "rows.npz")
    model = GeneratorModel(model_file, device="cpu")
    assert np.array_equal(arrays["latents"][0], z) and arrays["images"].shape == (4, 5, 28, 28)
    assert np.array_equal(arrays["images"][2], model.generate(model.perturb(z, 71, [10])[0]))


def test_the_latents_gan_project_writes_feed_gan_run(in_tmp: Path) -> None:
    assert invoke(gan_project, "--test-index", "0-1", "--restarts", "2", "--steps", "20", "--out", "z.npz").code == 0
    _ok("--latents", "z.npz", "--perturb", "71=-10,10,100", "--npz", "rows.npz")
    projected = read_npz(in_tmp / "z.npz")
    arrays = read_npz(in_tmp / "rows.npz")
    assert np.array_equal(arrays["latents"][0], projected["z"])
    assert np.array_equal(arrays["images"][0], projected["reconstruction"])


def test_float64_and_float16_latents_are_taken_as_float32(model_file: Path, in_tmp: Path) -> None:
    z = np.random.default_rng(4).standard_normal((2, 100))
    np.save(in_tmp / "z64.npy", z)
    np.savez(in_tmp / "z16.npz", z=z.astype(np.float16))
    _ok("--model", str(model_file), "--latents", "z64.npy", "--npz", "a.npz")
    _ok("--model", str(model_file), "--latents", "z16.npz", "--npz", "b.npz")
    assert np.array_equal(read_npz(in_tmp / "a.npz")["latents"][0], z.astype(np.float32))
    assert np.array_equal(read_npz(in_tmp / "b.npz")["latents"][0], z.astype(np.float16).astype(np.float32))


def _write_latent_files(folder: Path) -> None:
    good = np.zeros((2, 100), np.float32)
    np.save(folder / "shape.npy", np.zeros((2, 64), np.float32))
    np.save(folder / "flat.npy", np.zeros(100, np.float32))
    np.save(folder / "three.npy", np.zeros((1, 2, 100), np.float32))
    np.save(folder / "empty.npy", np.zeros((0, 100), np.float32))
    np.save(folder / "nan.npy", np.where(np.eye(2, 100) > 0, np.nan, good))
    np.save(folder / "inf.npy", np.full((2, 100), np.inf, np.float32))
    np.save(folder / "huge.npy", np.full((2, 100), 1e300))
    np.save(folder / "ints.npy", np.zeros((2, 100), np.int64))
    np.save(folder / "objects.npy", np.array([[object()] * 100] * 2, dtype=object), allow_pickle=True)
    np.save(folder / "many.npy", np.zeros((10_001, 100), np.float32))
    np.savez(folder / "other.npz", latents=good)
    (folder / "text.npy").write_text("not numbers")
    (folder / "cut.npy").write_bytes((folder / "shape.npy").read_bytes()[:200])
    (folder / "broken.npz").write_bytes(b"PK\x03\x04 broken")


BAD_LATENTS = {
    "shape.npy": "latents of size 64; this model takes 100",
    "flat.npy": "has shape [100]",
    "three.npy": "has shape [1, 2, 100]",
    "empty.npy": "has shape [0, 100]",
    "nan.npy": "NaN, infinity",
    "inf.npy": "NaN, infinity",
    "huge.npy": "values float32 cannot hold",
    "ints.npy": "holds int64 numbers",
    "objects.npy": "never loaded",
    "many.npy": "more than 10,000",
    "other.npz": "has no 'z' array (it has ['latents'])",
    "text.npy": "cannot read --latents 'text.npy'",
    "cut.npy": "cannot read --latents 'cut.npy'",
    "broken.npz": "cannot read --latents 'broken.npz'",
    "missing.npy": "no such file",
}


@pytest.mark.parametrize("name, pattern", BAD_LATENTS.items(), ids=list(BAD_LATENTS))
def test_a_bad_latents_file_is_refused_in_one_line(model_file: Path, in_tmp: Path, name: str, pattern: str) -> None:
    _write_latent_files(in_tmp)
    assert_refused(invoke(gan_run, "--model", str(model_file), "--latents", name), pattern)
    assert not list(in_tmp.glob("*.png"))


def test_a_pickled_object_array_is_never_unpickled(model_file: Path, in_tmp: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import pickle

    np.save(in_tmp / "objects.npy", np.array([None, 1], dtype=object), allow_pickle=True)
    monkeypatch.setattr(pickle, "load", lambda *a, **k: pytest.fail("a pickle was loaded"))
    assert_refused(invoke(gan_run, "--model", str(model_file), "--latents", "objects.npy"), "never loaded")


@pytest.mark.parametrize("extra", [["--seed", "3"], ["--n", "4"]])
def test_latents_with_seed_or_n_is_a_usage_error(model_file: Path, in_tmp: Path, extra: list[str]) -> None:
    np.save(in_tmp / "z.npy", np.zeros((2, 100), np.float32))
    assert_refused(invoke(gan_run, "--model", str(model_file), "--latents", "z.npy", *extra), f"drop {extra[0]}")


def test_more_latents_than_a_row_holds_need_explain(model_file: Path, in_tmp: Path) -> None:
    np.save(in_tmp / "z.npy", np.zeros((65, 100), np.float32))
    assert_refused(invoke(gan_run, "--model", str(model_file), "--latents", "z.npy"), "more than 64 images per row")
    _ok("--model", str(model_file), "--latents", "z.npy", "--explain", "--classifier", str(_classifier(in_tmp)))


def test_too_many_latents_from_a_file_name_latents_and_explain_not_n(model_file: Path, in_tmp: Path) -> None:
    np.save(in_tmp / "test100.npy", np.zeros((100, 100), np.float32))
    err = assert_refused(invoke(gan_run, "--model", str(model_file), "--latents", "test100.npy"), "'--latents'")
    assert "'test100.npy' holds 100 latents" in err and "add --explain" in err and "--n" not in err
    assert not list(in_tmp.glob("*.png"))


def _classifier(folder: Path) -> Path:
    from onnx_factory import write_classifier

    return write_classifier(folder / "classifier.onnx")


# --seeds


def test_parse_seeds_reads_stylegans_ranges() -> None:
    assert parse_seeds("0-31,40") == (range(0, 32), range(40, 41))
    assert parse_seeds(" 7 ") == (range(7, 8),)


def test_a_seed_range_too_long_to_count_is_refused_in_one_line(model_file: Path, in_tmp: Path) -> None:
    outcome = invoke(gan_run, "--model", str(model_file), "--seeds", "0-99999999999999999999", "--outdir", "out")
    assert_refused(outcome, "more than 1,000,000 seeds")
    assert not (in_tmp / "out").exists()


def test_each_seed_gets_a_zero_padded_file_holding_the_image_of_that_seed_alone(model_file: Path, in_tmp: Path) -> None:
    _ok("--model", str(model_file), "--seeds", "0-3,40,12345", "--outdir", "out")
    names = sorted(path.name for path in (in_tmp / "out").iterdir())
    assert names == ["seed0000.png", "seed0001.png", "seed0002.png", "seed0003.png", "seed0040.png", "seed12345.png"]
    model = GeneratorModel(model_file, device="cpu")
    for seed in (0, 3, 40, 12345):
        expected = model.generate(model.sample_latents(1, seed))[0]
        assert np.array_equal(np.asarray(Image.open(in_tmp / "out" / seed_file_name(seed))), expected)


def test_a_seeds_image_does_not_depend_on_the_other_seeds_or_the_chunk_size(
    model_file: Path, in_tmp: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _ok("--model", str(model_file), "--seeds", "5", "--outdir", "alone")
    monkeypatch.setattr(seeds_module, "SEED_CHUNK", 3)
    _ok("--model", str(model_file), "--seeds", "0-9", "--outdir", "many")
    assert (in_tmp / "alone" / "seed0005.png").read_bytes() == (in_tmp / "many" / "seed0005.png").read_bytes()
    assert len(list((in_tmp / "many").iterdir())) == 10


def test_format_npz_stores_the_latent_and_the_image(model_file: Path, in_tmp: Path) -> None:
    _ok("--model", str(model_file), "--seeds", "7", "--outdir", "out", "--format", "npz")
    arrays = read_npz(in_tmp / "out" / "seed0007.npz")
    model = GeneratorModel(model_file, device="cpu")
    assert np.array_equal(arrays["z"], model.sample_latents(1, 7))
    assert np.array_equal(arrays["images"], model.generate(model.sample_latents(1, 7)))
    _ok("--model", str(model_file), "--latents", "out/seed0007.npz")  # and it feeds --latents


def test_the_outdir_is_created_when_missing(model_file: Path, in_tmp: Path) -> None:
    _ok("--model", str(model_file), "--seeds", "0-1", "--outdir", "a/b/c")
    assert (in_tmp / "a" / "b" / "c" / "seed0001.png").is_file()


def test_no_progress_bar_when_stderr_is_not_a_terminal(model_file: Path, in_tmp: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(seeds_module, "PROGRESS_FROM", 1)
    outcome = invoke(gan_run, "--model", str(model_file), "--seeds", "0-9", "--outdir", "out")
    assert outcome.code == 0 and outcome.err == ""
    assert "wrote 10 images to out (seed0000.png ... seed0009.png)" in outcome.out


def test_a_failed_chunk_leaves_the_chunks_before_it_and_no_half_written_file(
    model_file: Path, in_tmp: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from ganedge.runtime.base import files

    real, made = files.bytes_writer, []

    def full_disk_from_the_sixth_file(data: bytes) -> files.Writer:
        made.append(1)
        if len(made) < 6:
            return real(data)

        def fail(tmp_name: str) -> None:
            Path(tmp_name).write_bytes(data[:10])
            raise OSError(28, "No space left on device")

        return fail

    monkeypatch.setattr(files, "bytes_writer", full_disk_from_the_sixth_file)
    monkeypatch.setattr(seeds_module, "SEED_CHUNK", 4)
    assert_refused(invoke(gan_run, "--model", str(model_file), "--seeds", "0-9", "--outdir", "out"), "No space left")
    assert sorted(path.name for path in (in_tmp / "out").iterdir()) == [seed_file_name(s) for s in range(4)]


@pytest.mark.parametrize("args, pattern", [
    (["--seeds", "0-3"], "needs --outdir"),
    (["--outdir", "out"], "--outdir goes only with --seeds"),
    (["--format", "npz"], "--format goes only with --seeds"),
    (["--seeds", "0-3", "--outdir", "out", "--perturb", "71=1"], "drop --perturb"),
    (["--seeds", "0-3", "--outdir", "out", "--direction", "1=1"], "drop --direction"),
    (["--seeds", "0-3", "--outdir", "out", "--out", "a.png"], "drop --out"),
    (["--seeds", "0-3", "--outdir", "out", "--npz", "a.npz"], "drop --npz"),
    (["--seeds", "0-3", "--outdir", "out", "--n", "4", "--seed", "1"], "drop --n, --seed"),
    (["--seeds", "0-3", "--outdir", "out", "--latents", "z.npy"], "drop --latents"),
    (["--seeds", "3-1", "--outdir", "out"], "empty range"),
    (["--seeds", "0-3,2", "--outdir", "out"], "seed 2 twice"),
    (["--seeds", "-1", "--outdir", "out"], "not a seed"),
    (["--seeds", "a-b", "--outdir", "out"], "not a seed"),
    (["--seeds", "0-1000000", "--outdir", "out"], "more than 1,000,000 seeds"),
    (["--seeds", "0-3", "--outdir", "file.txt"], "is a file"),
])
def test_bad_seeds_use_is_refused_in_one_line(model_file: Path, in_tmp: Path, args: list[str], pattern: str) -> None:
    (in_tmp / "file.txt").write_text("a file")
    assert_refused(invoke(gan_run, "--model", str(model_file), *args), pattern)
    assert not (in_tmp / "out").exists()


def test_an_outdir_that_holds_the_model_under_a_seeds_name_is_refused(in_tmp: Path) -> None:
    (in_tmp / "out").mkdir()
    model = write_generator(in_tmp / "out" / "seed0002.png")
    assert_refused(invoke(gan_run, "--model", str(model), "--seeds", "0-3", "--outdir", "out"), "would destroy it")
    assert sorted(path.name for path in (in_tmp / "out").iterdir()) == ["seed0002.png"]


def test_seed_npz_files_are_plain_zips_without_pickles(model_file: Path, in_tmp: Path) -> None:
    _ok("--model", str(model_file), "--seeds", "1", "--outdir", "out", "--format", "npz")
    with zipfile.ZipFile(in_tmp / "out" / "seed0001.npz") as archive:
        assert sorted(archive.namelist()) == ["images.npy", "z.npy"]


def test_help_shows_latents_and_seeds(capsys: pytest.CaptureFixture[str]) -> None:
    assert gan_run(["--help"]) == 0
    text = capsys.readouterr().out
    assert "gan-run --latents z.npz --perturb 71=-10,10,100" in text and "gan-run --seeds 0-31,40 --outdir" in text
