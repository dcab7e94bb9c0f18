"""SeFa directions read from a generator file, and ``gan-run --direction K=V1,V2,...``."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import numpy as np
import pytest
from cli_checks import refused_in_one_line, read_npz as _npz
from onnx_factory import first_layer_weight, write_generator

from ganedge.runtime import GanRuntimeError, GeneratorModel
from ganedge.runtime.commands.run import main
from ganedge.runtime.commands.shared import parse_direction
from ganedge.runtime.base.sefa import decode_sefa
from ganedge.runtime.generator.directions import direction_label, sefa_directions, walk_direction


def _refused(*args: str) -> str:
    return refused_in_one_line(main, *args, no_png=True)


def _encoded(eigenvalues: list[float], vectors: np.ndarray) -> str:
    return json.dumps({"eigenvalues": eigenvalues, "directions": base64.b64encode(vectors.astype("<f4").tobytes()).decode()})


def test_sefa_directions_are_unit_norm_and_ordered_by_eigenvalue(model_file: Path) -> None:
    sefa = sefa_directions(GeneratorModel(model_file, "cpu").metadata)
    assert sefa.vectors.shape == (100, 100)
    assert np.allclose(np.linalg.norm(sefa.vectors, axis=1), 1.0, atol=1e-5)
    assert np.all(np.diff(sefa.eigenvalues) <= 0)


def test_sefa_directions_are_the_top_eigenvectors_of_the_first_layer(model_file: Path) -> None:
    weight = first_layer_weight(model_file).astype(np.float64)  # [latent, hidden]: z @ W1
    sefa = sefa_directions(GeneratorModel(model_file, "cpu").metadata)
    gram = weight @ weight.T  # W1^T W1 in torch's [hidden, latent] convention
    assert np.allclose(sefa.eigenvalues, np.sort(np.linalg.eigvalsh(gram))[::-1])
    top = sefa.vectors[0].astype(np.float64)
    assert np.allclose(gram @ top, sefa.eigenvalues[0] * top, atol=1e-4 * sefa.eigenvalues[0])


def test_walking_a_direction_adds_value_times_the_direction() -> None:
    z = np.random.default_rng(0).standard_normal((8, 100)).astype(np.float32)
    direction = np.eye(100, dtype=np.float32)[3]
    rows = walk_direction(z, direction, [-5, 0, 5])
    assert np.array_equal(rows[1], z)
    assert np.allclose(rows[0] - z, -5 * direction) and np.allclose(rows[2] - z, 5 * direction)
    assert direction_label(1, -5.0) == "dir 1 = -5"


def test_gan_run_direction_gives_the_unmodified_row_and_one_row_per_value(model_file: Path, in_tmp: Path) -> None:
    assert main(["--model", str(model_file), "--direction", "1=-5,0,5", "--npz", "rows.npz"]) == 0
    arrays = _npz(in_tmp / "rows.npz")
    assert arrays["labels"].tolist() == ["random z", "dir 1 = -5", "dir 1 = 0", "dir 1 = 5"]
    direction = sefa_directions(GeneratorModel(model_file, "cpu").metadata).direction(1)
    latents = arrays["latents"]
    assert np.array_equal(latents[2], latents[0])
    assert np.allclose(latents[3] - latents[0], 5 * direction, atol=1e-5)
    assert (in_tmp / "gan-run.png").is_file()


def test_perturb_and_direction_blocks_each_start_with_the_unmodified_row(model_file: Path, in_tmp: Path) -> None:
    assert main(["--model", str(model_file), "--perturb", "71=-10,10", "--direction", "2=-5,5", "--npz", "rows.npz"]) == 0
    assert _npz(in_tmp / "rows.npz")["labels"].tolist() == [
        "random z", "#71 = -10", "#71 = 10", "random z", "dir 2 = -5", "dir 2 = 5"]


def test_parse_direction_accepts_negative_and_zero_values() -> None:
    assert parse_direction("1=-5,0,5") == (1, (-5.0, 0.0, 5.0))


@pytest.mark.parametrize("spec, reason", [
    ("101=5", "out of range"),
    ("0=5", "directions count from 1"),
    ("x=5", "not a direction number"),
    ("1=", "no values"),
    ("1=5,5", "repeats a value"),
    ("1", "needs the form"),
])
def test_a_bad_direction_is_refused(model_file: Path, in_tmp: Path,
                                    spec: str, reason: str) -> None:
    assert reason in _refused("--model", str(model_file), "--direction", spec)


def test_the_same_direction_twice_is_refused(model_file: Path, in_tmp: Path) -> None:
    assert "direction 1 is given twice" in _refused("--model", str(model_file), "--direction", "1=5", "--direction", "1=-5")


def test_a_model_exported_before_sefa_says_to_re_export(in_tmp: Path) -> None:
    old = write_generator(in_tmp / "old.onnx")
    assert "re-export it with gan-export" in _refused("--model", str(old), "--direction", "1=5")


def test_directions_that_are_not_unit_rows_are_rejected() -> None:
    with pytest.raises(GanRuntimeError, match="not unit rows"):
        decode_sefa(_encoded([2.0, 1.0], 2 * np.eye(2)), latent_dim=2)


def test_directions_out_of_eigenvalue_order_are_rejected() -> None:
    with pytest.raises(GanRuntimeError, match="descending"):
        decode_sefa(_encoded([1.0, 2.0], np.eye(2)), latent_dim=2)


def test_directions_of_another_latent_size_are_rejected() -> None:
    with pytest.raises(GanRuntimeError, match="latent size 3"):
        decode_sefa(_encoded([2.0, 1.0], np.eye(2)), latent_dim=3)
