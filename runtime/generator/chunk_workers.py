"""Large CPU batches as whole chunks run side by side, one onnxruntime thread each.

A batch larger than one chunk used to run chunk after chunk on a session
with several intra-op threads: every node of every chunk was split between
the cores, each waiting for the others at every node, and each pass over
the output read rows the other core had just written. Run instead as whole
chunks on a one-thread session, one chunk per core at a time, a chunk's
nodes stay on one core and in its cache. On the 2-core Intel VM, batch
16384, uint8: 21.5-22.9 -> 16.6-17.6 ms; batch 4096: 5.5-5.7 -> 4.5-5.0 ms
(docs/decisions.md). The results are bit for bit the same: each chunk's
arithmetic does not depend on the thread that runs it.

The calling thread takes its share of the chunks; ``workers - 1`` pool
threads, started on first use, take the rest. Chunks are handed out one at
a time from a shared counter, so a core that falls behind (a busy
neighbour on a VM) takes fewer. Safe to call from many threads at once.
"""

from __future__ import annotations

import itertools
import os
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Sequence

if TYPE_CHECKING:  # concurrent.futures costs 5.5 ms to import: only batches that use the pool pay it
    from concurrent.futures import Future, ThreadPoolExecutor


def usable_cores() -> int:
    """Physical cores among the CPUs this process may run on: what onnxruntime's default thread count uses.

    Two hyperthreads of one core count once (Linux's ``core_cpus_list``);
    where that is unknown, every usable CPU counts.

    Examples
    --------
    >>> usable_cores() >= 1
    True
    """
    cpus = sorted(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else list(range(os.cpu_count() or 1))
    cores = set()
    for cpu in cpus:
        try:
            cores.add(Path(f"/sys/devices/system/cpu/cpu{cpu}/topology/core_cpus_list").read_text().strip())
        except OSError:
            cores.add(str(cpu))
    return max(1, len(cores))


class ChunkWorkers:
    """``run(work, items)``: ``work(item)`` for every item, on up to ``workers`` threads at once.

    ``workers=None``: one per usable physical core (:func:`usable_cores`).

    Examples
    --------
    >>> done = []
    >>> ChunkWorkers(2).run(done.append, range(5))
    >>> sorted(done)
    [0, 1, 2, 3, 4]
    """

    def __init__(self, workers: int | None) -> None:
        self._workers = workers  # None: one per usable core, counted on first use
        self._pool: ThreadPoolExecutor | None = None
        self._starting = threading.Lock()

    @property
    def workers(self) -> int:
        """The most threads working at once, the caller's included."""
        if self._workers is None:
            self._workers = usable_cores()
        return self._workers

    def run(self, work: Callable[[int], None], items: Sequence[int]) -> None:
        """Call ``work`` on every item; returns when all are done, raising the first error any raised.

        No call is still running when this returns or raises, so ``work`` may
        write into an array the caller is about to hand back.
        """
        helpers = min(self.workers, len(items)) - 1
        if helpers <= 0:
            for item in items:
                work(item)
            return
        next_index = itertools.count().__next__  # one C call under the GIL: no two threads get the same index

        def take_turns() -> None:
            while (index := next_index()) < len(items):
                work(items[index])

        pool = self._started_pool()
        helping: list[Future[None]] = [pool.submit(take_turns) for _ in range(helpers)]
        first_error: BaseException | None = None
        try:
            take_turns()
        except BaseException as error:  # the helpers may still be writing: wait for them before raising
            first_error = error
        for future in helping:
            error = future.exception()
            if first_error is None and error is not None:
                first_error = error
        if first_error is not None:
            raise first_error

    def _started_pool(self) -> ThreadPoolExecutor:
        if self._pool is None:
            with self._starting:
                if self._pool is None:
                    from concurrent.futures import ThreadPoolExecutor

                    self._pool = ThreadPoolExecutor(self.workers - 1, thread_name_prefix="ganedge-chunks")
        return self._pool
