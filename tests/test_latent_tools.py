"""Latent tools, part 1: slerp against lerp, and ``gan-animate`` (a latent swept, a direction walked, a loop through seeds)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from cli_checks import assert_refused, invoke
from PIL import Image, ImageSequence

from ganedge.runtime import ClassifierModel, GeneratorModel
from ganedge.runtime.base.animation import check_frame_size, draw_frames
from ganedge.runtime.base.errors import GanRuntimeError
from ganedge.runtime.commands.animate import main as gan_animate
from ganedge.runtime.generator.interpolate import format_position, lerp, loop_frames, slerp
from ganedge.runtime.measure.interpolation import compare_midpoints


def _frames(path: Path) -> list[np.ndarray]:
    """Every frame of an animation file, as the grey levels a viewer shows."""
    with Image.open(path) as animation:
        return [np.asarray(frame.convert("L")) for frame in ImageSequence.Iterator(animation)]


def _animate(model_file: Path, *args: str) -> int:
    outcome = invoke(gan_animate, "--model", str(model_file), *args)
    assert outcome.code == 0, outcome.output
    return outcome.code


# slerp


def test_slerp_starts_at_a_and_ends_at_b() -> None:
    a, b = np.random.default_rng(0).standard_normal((2, 5, 100))
    assert np.allclose(slerp(a, b, 0.0), a, atol=1e-5) and np.allclose(slerp(a, b, 1.0), b, atol=1e-5)


def test_slerp_between_latents_of_equal_norm_keeps_the_norm_where_lerp_shrinks_it() -> None:
    a = np.array([[10.0, 0.0, 0.0]])
    b = np.array([[0.0, 10.0, 0.0]])
    for t in (0.25, 0.5, 0.75):
        assert np.linalg.norm(slerp(a, b, t)) == pytest.approx(10.0, rel=1e-6)
    assert np.linalg.norm(lerp(a, b, 0.5)) == pytest.approx(10 / np.sqrt(2))


def test_slerp_of_nearly_equal_latents_is_finite_and_equals_lerp() -> None:
    a = np.random.default_rng(1).standard_normal((4, 100)).astype(np.float32)
    b = a + np.float32(1e-7)
    for t in (0.0, 0.3, 1.0):
        assert np.all(np.isfinite(slerp(a, b, t)))
        assert np.allclose(slerp(a, b, t), lerp(a, b, t), atol=1e-6)


def test_slerp_of_identical_zero_and_opposite_latents_stays_finite() -> None:
    a = np.ones((1, 100), np.float32)
    zero = np.zeros((1, 100), np.float32)
    assert np.array_equal(slerp(a, a, 0.5), a)
    assert np.allclose(slerp(zero, a, 0.5), 0.5 * a)
    assert np.all(np.isfinite(slerp(a, -a, 0.5)))


def test_slerp_of_opposite_latents_turns_through_an_orthogonal_latent_and_keeps_the_norm() -> None:
    a = np.random.default_rng(5).standard_normal((3, 100))
    for t in (0.25, 0.5, 0.75):
        assert np.allclose(np.linalg.norm(slerp(a, -a, t), axis=1), np.linalg.norm(a, axis=1), rtol=1e-9)
    assert np.allclose(np.sum(slerp(a, -a, 0.5) * a, axis=1), 0, atol=1e-9)  # the midpoint is orthogonal to a
    assert np.allclose(slerp(a, -a, 0.0), a) and np.allclose(slerp(a, -a, 1.0), -a)
    assert np.array_equal(slerp(a, -a, 0.3), slerp(a.copy(), -a, 0.3))  # the same rows take the same turn
    assert np.allclose(np.linalg.norm(slerp(a, -2 * a, 0.5), axis=1), 1.5 * np.linalg.norm(a, axis=1))


def test_slerp_takes_one_t_per_row() -> None:
    a = np.array([[1.0, 0.0], [1.0, 0.0]])
    b = np.array([[0.0, 1.0], [0.0, 1.0]])
    moved = slerp(a, b, np.array([0.0, 1.0]))
    assert np.allclose(moved, [[1.0, 0.0], [0.0, 1.0]])


def test_slerp_works_on_batches_of_rows_in_float32() -> None:
    a, b = np.random.default_rng(2).standard_normal((2, 8, 100)).astype(np.float32)
    assert slerp(a, b, 0.5).shape == (8, 100) and slerp(a, b, 0.5).dtype == np.float32


def test_on_the_bundled_model_slerp_midpoints_stay_near_norm_ten_and_lerp_ones_fall_to_seven() -> None:
    stats = compare_midpoints(GeneratorModel(device="cpu"), ClassifierModel(device="cpu"), pairs=1000)
    assert stats["slerp"].latent_norm == pytest.approx(np.sqrt(100), abs=0.2)
    assert stats["lerp"].latent_norm == pytest.approx(np.sqrt(100) / np.sqrt(2), abs=0.2)
    assert stats["slerp"].confidence > stats["lerp"].confidence  # lerp midpoints are washed out: the classifier hesitates
    assert stats["slerp"].mean_abs_value > stats["lerp"].mean_abs_value
    assert stats["slerp"].confidence == pytest.approx(stats["endpoints"].confidence, abs=0.02)


def test_a_loop_through_seeds_starts_at_the_first_and_comes_back_to_it() -> None:
    keys = [np.full((2, 3), float(k)) for k in (1, 2, 3)]
    frames = loop_frames(keys, [0, 1, 2], 6)
    assert [frame.label for frame in frames] == [
        "seed 0 -> 1, t = 0", "seed 0 -> 1, t = 0.5", "seed 1 -> 2, t = 0",
        "seed 1 -> 2, t = 0.5", "seed 2 -> 0, t = 0", "seed 2 -> 0, t = 0.5"]
    assert np.array_equal(frames[0].latents, keys[0]) and np.array_equal(frames[4].latents, keys[2])


def test_frame_values_are_written_with_at_most_two_decimals() -> None:
    assert [format_position(v) for v in (-3.2203, 0.5, -10.0, 1 / 3, -0.004)] == ["-3.22", "0.5", "-10", "0.33", "0"]


# gan-animate


def test_a_perturb_sweep_has_one_frame_per_value_from_a_to_b(model_file: Path, in_tmp: Path) -> None:
    _animate(model_file, "--perturb", "71=-10:10", "--frames", "5", "--out", "sweep.gif")
    model = GeneratorModel(model_file, device="cpu")
    z = model.sample_latents(8, seed=0)
    rows, labels = [], []
    for value in (-10.0, -5.0, 0.0, 5.0, 10.0):
        moved = z.copy()
        moved[:, 70] = value
        rows.append(model.generate(moved))
        labels.append(f"#71 = {value:g}")
    expected = draw_frames(rows, labels, scale=3)
    frames = _frames(in_tmp / "sweep.gif")
    assert len(frames) == 5
    assert all(np.array_equal(frame, np.asarray(picture)) for frame, picture in zip(frames, expected))


def test_each_frame_is_one_labelled_row_of_the_grid_renderer(model_file: Path, in_tmp: Path) -> None:
    _animate(model_file, "--perturb", "71=-10:10", "--frames", "3", "--n", "4", "--scale", "2", "--out", "a.gif")
    model = GeneratorModel(model_file, device="cpu")
    z = model.sample_latents(4, seed=0)
    z[:, 70] = -10
    alone = np.asarray(model.render([model.generate(z)], ["#71 = -10"], scale=2))
    first = _frames(in_tmp / "a.gif")[0]
    images = 4 * (28 * 2 + 2)  # the row's images and the gaps after them; the label margin before may be wider
    assert first.shape[0] == alone.shape[0]
    assert np.array_equal(first[:, -images:], alone[:, -images:])


def test_the_frames_all_have_the_same_size_however_wide_the_label(model_file: Path, in_tmp: Path) -> None:
    _animate(model_file, "--perturb", "3=-1000:0.5", "--frames", "7", "--out", "a.gif")
    assert len({frame.shape for frame in _frames(in_tmp / "a.gif")}) == 1


def test_a_direction_walk_adds_the_sefa_direction(model_file: Path, in_tmp: Path) -> None:
    _animate(model_file, "--direction", "1=0:4", "--frames", "3", "--seed", "2", "--n", "3", "--out", "d.gif")
    model = GeneratorModel(model_file, device="cpu")
    z = model.sample_latents(3, seed=2)
    direction = model.sefa.direction(1)
    rows = [model.generate(z + np.float32(v) * direction) for v in (0.0, 2.0, 4.0)]
    expected = draw_frames(rows, ["dir 1 = 0", "dir 1 = 2", "dir 1 = 4"], scale=3)
    assert all(np.array_equal(f, np.asarray(e)) for f, e in zip(_frames(in_tmp / "d.gif"), expected))


def test_a_seed_loop_goes_through_each_seeds_latents_by_slerp_and_back(model_file: Path, in_tmp: Path) -> None:
    _animate(model_file, "--seeds", "0,1,2,3", "--frames", "8", "--out", "loop.gif")
    model = GeneratorModel(model_file, device="cpu")
    keys = [model.sample_latents(8, s) for s in (0, 1, 2, 3)]
    rows, labels = [], []
    for segment in range(4):
        for t in (0.0, 0.5):
            rows.append(model.generate(slerp(keys[segment], keys[(segment + 1) % 4], t)))
            labels.append(f"seed {segment} -> {(segment + 1) % 4}, t = {t:g}")
    expected = draw_frames(rows, labels)
    frames = _frames(in_tmp / "loop.gif")
    assert len(frames) == 8
    assert all(np.array_equal(frame, np.asarray(picture)) for frame, picture in zip(frames, expected))


@pytest.mark.parametrize("name", ["a.gif", "a.png", "a.webp"])
def test_the_same_arguments_give_a_byte_identical_file(model_file: Path, in_tmp: Path, name: str) -> None:
    for folder in ("one", "two"):
        (in_tmp / folder).mkdir()
        _animate(model_file, "--seeds", "0,1", "--frames", "4", "--out", f"{folder}/{name}")
    assert (in_tmp / "one" / name).read_bytes() == (in_tmp / "two" / name).read_bytes()


@pytest.mark.parametrize("name, kind", [("a.gif", "GIF"), ("a.png", "PNG"), ("a.webp", "WEBP")])
def test_every_format_is_an_animation_that_keeps_every_grey_exactly(
    model_file: Path, in_tmp: Path, name: str, kind: str
) -> None:
    _animate(model_file, "--perturb", "2=0:100", "--frames", "4", "--fps", "10", "--out", name)
    model = GeneratorModel(model_file, device="cpu")
    z = model.sample_latents(8, seed=0)
    rows = []
    for value in (0.0, 100 / 3, 200 / 3, 100.0):
        moved = z.copy()
        moved[:, 1] = value
        rows.append(model.generate(moved))
    expected = draw_frames(rows, [f"#2 = {format_position(v)}" for v in (0.0, 100 / 3, 200 / 3, 100.0)])
    with Image.open(in_tmp / name) as animation:
        assert animation.format == kind and animation.n_frames == 4 and animation.info.get("loop") == 0
        animation.load()  # WebP reads a frame's duration with the frame
        assert animation.info["duration"] == 100
    assert all(np.array_equal(f, np.asarray(e)) for f, e in zip(_frames(in_tmp / name), expected))


def test_fps_sets_the_frame_time(model_file: Path, in_tmp: Path) -> None:
    _animate(model_file, "--seeds", "0,1", "--frames", "2", "--fps", "25", "--out", "a.gif")
    with Image.open(in_tmp / "a.gif") as animation:
        assert animation.info["duration"] == 40


@pytest.mark.parametrize("args, pattern", [
    ([], "exactly one of"),
    (["--perturb", "71=-10:10", "--seeds", "0,1"], "--perturb and --seeds"),
    (["--perturb", "71=-10:10", "--direction", "1=0:1"], "exactly one of"),
    (["--perturb", "71=-10,10"], "N=A:B"),
    (["--perturb", "71=-10:nan"], "not a finite number"),
    (["--perturb", "71=5:5"], "repeats a value"),
    (["--perturb", "0=1:2"], "counted from 1"),
    (["--perturb", "101=1:2"], "count from 1 to 100"),
    (["--direction", "999=0:1"], "direction 999 is out of range"),
    (["--seeds", "0"], "2 to 64 seeds"),
    (["--seeds", "0,1,0"], "repeats a seed"),
    (["--seeds", "0,-1"], "is not a seed (a whole number >= 0)"),
    (["--seeds", "0,1", "--seed", "3"], "drop --seed"),
    (["--seeds", "0,1", "--frames", "1"], "--frames"),
    (["--seeds", "0,1", "--out", "loop.mp4"], ".gif, .png (APNG) or .webp"),
    (["--seeds", "0,1", "--frames", "1000", "--n", "64", "--scale", "16"], "M pixels"),
])
def test_bad_input_is_refused_in_one_line_and_writes_nothing(
    model_file: Path, in_tmp: Path, args: list[str], pattern: str
) -> None:
    assert_refused(invoke(gan_animate, "--model", str(model_file), *args), pattern)
    assert list(in_tmp.iterdir()) == []


def test_a_loop_with_fewer_frames_than_seeds_is_refused_instead_of_skipping_seeds(model_file: Path, in_tmp: Path) -> None:
    outcome = invoke(gan_animate, "--model", str(model_file), "--seeds", "0,1,2,3", "--frames", "2")
    assert_refused(outcome, "give --frames 4 or more")
    assert list(in_tmp.iterdir()) == []
    with pytest.raises(GanRuntimeError, match="at least one frame per keyframe"):
        loop_frames([np.ones((1, 2))] * 3, [0, 1, 2], 2)


def test_a_seed_range_too_long_for_a_loop_is_refused_before_it_is_expanded(model_file: Path, in_tmp: Path) -> None:
    import os
    import resource
    import subprocess
    import sys

    from cli_checks import Outcome

    def at_most_two_gib() -> None:  # expanding 10**10 seeds would take ~400 GB; under this cap it fails in seconds
        resource.setrlimit(resource.RLIMIT_AS, (2 << 30, 2 << 30))

    program = "import sys; from ganedge.runtime.commands.animate import main; sys.exit(main(sys.argv[1:]))"
    done = subprocess.run([sys.executable, "-c", program, "--model", str(model_file), "--seeds", "0-9999999999"],
                          capture_output=True, text=True, timeout=120, preexec_fn=at_most_two_gib,
                          env={**os.environ, "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1"})
    assert_refused(Outcome(done.returncode, done.stdout, done.stderr), "a loop needs 2 to 64 seeds")
    assert list(in_tmp.iterdir()) == []


def test_frames_wider_than_webp_stores_are_refused_before_any_frame_is_generated(
    model_file: Path, in_tmp: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(GeneratorModel, "generate", lambda *args, **kwargs: pytest.fail("a frame was generated"))
    outcome = invoke(gan_animate, "--model", str(model_file), "--seeds", "0,1", "--frames", "2", "--n", "64",
                     "--scale", "9", "--out", "loop.webp")
    assert_refused(outcome, "at most 16,383 px")
    assert list(in_tmp.iterdir()) == []
    with pytest.raises(GanRuntimeError, match="GIF, which stores at most 65,535 px"):
        check_frame_size((65_536, 88), "GIF")
    check_frame_size((16_383, 452), "WEBP")  # the largest WebP frame passes


def test_help_shows_the_three_kinds_of_animation(capsys: pytest.CaptureFixture[str]) -> None:
    assert gan_animate(["--help"]) == 0
    text = capsys.readouterr().out
    for example in ("gan-animate --perturb 71=-10:10", "gan-animate --direction 1=-5:5", "gan-animate --seeds 0,1,2,3"):
        assert example in text
