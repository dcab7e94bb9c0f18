"""One generator shared by many threads gives the same arrays as sequential calls."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from pathlib import Path

import numpy as np
import pytest
from onnx_factory import write_generator

from ganedge.runtime import GanRuntimeError, GeneratorModel

THREADS = 8
BATCHES = 32


@pytest.fixture(scope="module")
def model(tmp_path_factory: pytest.TempPathFactory) -> GeneratorModel:
    return GeneratorModel(write_generator(tmp_path_factory.mktemp("model") / "generator.onnx"), device="cpu")


def test_concurrent_generate_equals_sequential_generate(model: GeneratorModel) -> None:
    batches = [model.sample_latents(64 + i, seed=i) for i in range(BATCHES)]
    sequential = [model.generate(z, output="float", chunk_size=16) for z in batches]
    with ThreadPoolExecutor(max_workers=THREADS) as pool:
        concurrent = list(pool.map(lambda z: model.generate(z, output="float", chunk_size=16), batches))
    assert all(np.array_equal(a, b) for a, b in zip(sequential, concurrent))


def test_concurrent_perturbation_rows_equal_sequential_ones(model: GeneratorModel) -> None:
    z = model.sample_latents(8, seed=0)
    jobs = [(number, value) for number in (2, 71, 100) for value in (-50.0, -10.0, 0.0, 10.0, 100.0)]

    def row(job: tuple[int, float]) -> np.ndarray:
        return model.generate(model.perturb(z, job[0], [job[1]])[0])

    sequential = [row(job) for job in jobs]
    with ThreadPoolExecutor(max_workers=THREADS) as pool:
        concurrent = list(pool.map(row, jobs))
    assert all(np.array_equal(a, b) for a, b in zip(sequential, concurrent))


@pytest.mark.parametrize("threads", [1, 2])
def test_the_threads_knob_changes_speed_never_the_images(model_file: Path, threads: int) -> None:
    reference = GeneratorModel(model_file, device="cpu")
    model = GeneratorModel(model_file, device="cpu", threads=threads)
    assert model.threads == threads
    for n in (1, 64, 65, 5000):  # the one-thread session, the main one, chunks
        z = model.sample_latents(n, seed=n)
        assert np.array_equal(model.generate(z), reference.generate(z))


@pytest.mark.parametrize("threads", [0, -1, 257, True, 1.5, "2"])
def test_a_bad_threads_value_is_the_runtimes_error(model_file: Path, threads: object) -> None:
    with pytest.raises(GanRuntimeError, match="threads must be a whole number from 1 to 256"):
        GeneratorModel(model_file, device="cpu", threads=threads)  # type: ignore[arg-type]


@pytest.mark.parametrize("value", ["0", "257", "many"])
def test_a_bad_threads_option_is_refused_in_one_line(model_file: Path, in_tmp: Path, value: str) -> None:
    from cli_checks import refused_in_one_line
    from ganedge.runtime.commands.run import main

    assert "--threads" in refused_in_one_line(main, "--model", str(model_file), "--threads", value, no_png=True)
