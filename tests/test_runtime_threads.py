"""One generator shared by many threads gives the same arrays as sequential calls."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest
from onnx_factory import write_generator

from ganedge.runtime import GeneratorModel

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
