"""Large CPU batches as whole chunks side by side: the same arrays, every chunk once, errors surfaced, no spinning."""

from __future__ import annotations

import threading
import time
from typing import Callable

import numpy as np
import pytest

from ganedge.runtime import GeneratorModel
from ganedge.runtime.generator.chunk_workers import ChunkWorkers, usable_cores
from ganedge.runtime.generator.session import direct_run, open_session
from ganedge.runtime.models import BUNDLED_MODEL


@pytest.mark.parametrize("output,name", [("uint8", "pixels"), ("float", "image")])
@pytest.mark.parametrize("threads", [1, 2, 3])
def test_chunks_side_by_side_equal_one_pass_bit_for_bit(output: str, name: str, threads: int) -> None:
    model = GeneratorModel(device="cpu", threads=threads)
    z = model.sample_latents(1000, seed=threads)
    expected = direct_run(model.session)([name], {"z": z})[0]
    got = model.generate(z, output=output, chunk_size=96)  # 11 chunks, the last one short
    assert got.dtype == expected.dtype and np.array_equal(got, expected)


@pytest.mark.parametrize("output,name,chunk", [("uint8", "pixels", 256), ("float", "image", 1024)])
def test_default_chunks_past_one_pass_are_cache_sized_for_pixels(
    output: str, name: str, chunk: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Up to 1,024 latents in one pass; beyond, uint8 pixels in chunks of 256 and float images in chunks of 1,024."""
    model = GeneratorModel(device="cpu", threads=2)
    starts: list[range] = []
    run_chunks = model._chunk_workers.run

    def recording_run(work: Callable[[int], None], items: range) -> None:
        starts.append(items)
        run_chunks(work, items)

    monkeypatch.setattr(model._chunk_workers, "run", recording_run)
    model.generate(model.sample_latents(1024, seed=5), output=output)  # type: ignore[arg-type]
    assert starts == []
    z = model.sample_latents(2100, seed=5)
    got = model.generate(z, output=output)  # type: ignore[arg-type]
    assert starts == [range(0, 2100, chunk)]
    assert np.array_equal(got, direct_run(model.session)([name], {"z": z})[0])


def test_every_item_runs_once_and_on_several_threads_at_once() -> None:
    both_running = threading.Barrier(2, timeout=10)  # broken (an error) unless two items run at the same time
    seen: list[tuple[int, int]] = []

    def work(item: int) -> None:
        if item < 2:
            both_running.wait()
        seen.append((item, threading.get_ident()))

    ChunkWorkers(2).run(work, range(40))
    assert sorted(item for item, _ in seen) == list(range(40))
    assert len({ident for _, ident in seen}) == 2


def test_an_error_is_raised_after_every_other_item_stopped() -> None:
    done: list[int] = []

    def work(item: int) -> None:
        if item == 3:
            raise ValueError("chunk 3 failed")
        time.sleep(0.001)
        done.append(item)

    with pytest.raises(ValueError, match="chunk 3 failed"):
        ChunkWorkers(2).run(work, range(30))
    finished = len(done)
    time.sleep(0.05)
    assert len(done) == finished  # nothing still writing after run() raised
    assert 3 not in done


def test_one_worker_runs_in_the_callers_thread() -> None:
    idents: set[int] = set()
    ChunkWorkers(1).run(lambda item: idents.add(threading.get_ident()), range(5))
    assert idents == {threading.get_ident()}


def test_workers_default_to_the_usable_cores() -> None:
    assert ChunkWorkers(None).workers == usable_cores() >= 1


def test_a_multi_thread_session_stops_spinning_after_a_run() -> None:
    """onnxruntime's pool threads would otherwise burn ~25 ms of CPU after each run, stealing the cores."""
    session, _ = open_session(BUNDLED_MODEL, "cpu", 2)
    z = np.zeros((1024, 100), np.float32)
    idle_cpu = []
    for _ in range(3):
        session.run(["pixels"], {"z": z})
        before = time.process_time()
        time.sleep(0.05)
        idle_cpu.append(time.process_time() - before)
    assert min(idle_cpu) < 0.005, f"CPU used while idle after a run: {idle_cpu}"
