"""Small batches through per-thread IO bindings give exactly the direct run's arrays, each the caller's own."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

from ganedge.runtime import GeneratorModel
from ganedge.runtime.generator.bound_runs import BOUND_BATCH, BoundRuns
from ganedge.runtime.generator.session import direct_run


@pytest.fixture(scope="module")
def model() -> GeneratorModel:
    return GeneratorModel(device="cpu")  # the bundled model: both outputs, image and pixels


@pytest.mark.parametrize("output,name", [("uint8", "pixels"), ("float", "image")])
@pytest.mark.parametrize("n", [1, 2, BOUND_BATCH, BOUND_BATCH + 1])
def test_generate_equals_the_direct_run_bit_for_bit(model: GeneratorModel, output: str, name: str, n: int) -> None:
    z = model.sample_latents(n, seed=n)
    expected = direct_run(model._whole.one_thread)([name], {"z": z})[0]
    got = model.generate(z, output=output)
    assert got.dtype == expected.dtype and np.array_equal(got, expected)


def test_each_result_is_the_callers_own_array(model: GeneratorModel) -> None:
    first = model.generate(model.sample_latents(1, seed=1))
    first_before = first.copy()
    second = model.generate(model.sample_latents(1, seed=2))
    second_before = second.copy()
    assert not np.array_equal(first, second)
    assert np.array_equal(first, first_before)  # the second call did not write into the first result
    second[...] = 0  # nor does the caller's writing reach the next call
    assert np.array_equal(model.generate(model.sample_latents(1, seed=2)), second_before)


def test_many_threads_get_their_own_buffers(model: GeneratorModel) -> None:
    latents = [model.sample_latents(1 + i % 2, seed=i) for i in range(400)]  # every thread uses both sizes
    sequential = [model.generate(z) for z in latents]
    start = threading.Barrier(8)

    def work(indices: range) -> list[tuple[int, np.ndarray]]:
        start.wait()
        return [(i, model.generate(latents[i])) for i in indices]

    with ThreadPoolExecutor(max_workers=8) as pool:
        results = [item for chunk in pool.map(work, [range(k * 50, k * 50 + 50) for k in range(8)]) for item in chunk]
    assert len(results) == 400
    assert all(np.array_equal(sequential[i], images) for i, images in results)


def test_a_session_without_the_cpp_session_gets_no_bound_runs() -> None:
    class PlainSession:  # an onnxruntime without ``_sess``: generate() keeps using the public run
        def run(self, names: list[str], feeds: dict) -> list:
            return []

    assert BoundRuns.for_session(PlainSession(), "z", {}) is None


def test_outputs_not_asked_for_are_written_into_bound_scratch_buffers(model: GeneratorModel) -> None:
    """onnxruntime runs every node anyway; a bound scratch buffer spares it an allocation per run."""
    runs = BoundRuns.for_session(model._whole.one_thread, "z", {"image": ((1, 28, 28), np.float32),
                                                              "pixels": ((28, 28), np.uint8)})
    assert runs is not None
    for seed in (3, 4):
        z = model.sample_latents(2, seed=seed)
        image, pixels = direct_run(model._whole.one_thread)(["image", "pixels"], {"z": z})
        assert np.array_equal(runs.run("pixels", z), pixels)
        scratch = runs._local.__dict__[("pixels", 2)][3]
        assert np.array_equal(scratch["image"], image)  # onnxruntime wrote the unrequested image here
        scratch["image"][...] = np.nan  # the next run must overwrite it again
