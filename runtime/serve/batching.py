"""Dynamic batching: requests that arrive together share one forward pass (as Triton's ``dynamic_batching``).

For this model a forward pass of 64 latents costs about as much as one of a
few, so under load the server gathers what is queued, up to ``max_batch``
latents or ``max_delay`` seconds after the first request, runs it once in a
worker thread (onnxruntime releases the GIL), and hands each request its own
rows. With ``max_delay=0`` (gan-serve's default) a request never waits for
company: alone it runs at once, and the requests that arrive while a pass
runs share the next one.
Results are row for row what the request alone would get: the generator's
output for a latent does not depend on the other rows of its batch (tested).
A request larger than ``max_batch`` runs alone; a pass that fails is run
again request by request, so that only the request at fault gets the error.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from ..base.errors import GanRuntimeError

Compute = Callable[[np.ndarray, str], np.ndarray]  # (latents [n, d], output name) -> [n, ...]


@dataclass
class _Pending:
    latents: np.ndarray
    output: str
    done: asyncio.Future[np.ndarray] = field(default_factory=lambda: asyncio.get_running_loop().create_future())


class DynamicBatcher:
    """Gathers concurrent requests of one event loop into batches of at most ``max_batch`` latents.

    Examples
    --------
    >>> async def demo():
    ...     batcher = DynamicBatcher(lambda z, name: z * 2, max_batch=64, max_delay=0.001)
    ...     parts = await asyncio.gather(*(batcher.submit(np.full((2, 3), i, np.float32), "y") for i in range(3)))
    ...     await batcher.close()
    ...     return [float(part[0, 0]) for part in parts], batcher.batches
    >>> asyncio.run(demo())
    ([0.0, 2.0, 4.0], 1)
    """

    def __init__(self, compute: Compute, max_batch: int, max_delay: float) -> None:
        self._compute = compute
        self._max_batch = max_batch
        self._max_delay = max_delay
        self._queue: asyncio.Queue[_Pending] | None = None
        self._worker: asyncio.Task[None] | None = None
        self._held: _Pending | None = None  # taken from the queue but too large for the batch it came to: next one
        self._running: list[_Pending] = []
        self.batches = 0  # forward passes run, for the benchmark's report

    async def submit(self, latents: np.ndarray, output: str) -> np.ndarray:
        """Queue ``latents`` for output ``output`` and wait for their rows."""
        loop = asyncio.get_running_loop()
        if self._worker is None or self._worker.get_loop() is not loop:  # first use, or a new event loop (embedding)
            self._queue, self._held = asyncio.Queue(), None
            self._worker = loop.create_task(self._run(self._queue))
        pending = _Pending(latents, output)
        assert self._queue is not None
        await self._queue.put(pending)
        return await pending.done

    async def _gather(self, queue: asyncio.Queue[_Pending]) -> list[_Pending]:
        """The next batch: what is queued (or arrives within ``max_delay``), at most ``max_batch`` latents."""
        loop = asyncio.get_running_loop()
        first, self._held = self._held or await queue.get(), None
        gathered, size = [first], len(first.latents)
        deadline = loop.time() + self._max_delay
        while size < self._max_batch:
            try:
                timeout = max(deadline - loop.time(), 0.0)
                pending = queue.get_nowait() if timeout == 0 else await asyncio.wait_for(queue.get(), timeout)
            except (asyncio.QueueEmpty, asyncio.TimeoutError):
                break
            if size + len(pending.latents) > self._max_batch:
                self._held = pending
                break
            gathered.append(pending)
            size += len(pending.latents)
        return gathered

    async def _run(self, queue: asyncio.Queue[_Pending]) -> None:
        loop = asyncio.get_running_loop()
        while True:
            self._running = await self._gather(queue)
            for output in {p.output for p in self._running}:
                group = [p for p in self._running if p.output == output]
                alone = len(group) == 1
                if not await self._answer(group, loop, fail=alone) and not alone:
                    for p in group:  # run each request alone, so that only the one at fault gets the error
                        await self._answer([p], loop)
            self._running = []

    async def _answer(self, group: list[_Pending], loop: asyncio.AbstractEventLoop, fail: bool = True) -> bool:
        """One forward pass for ``group``, its rows handed out; on an error its requests fail (``fail``) or wait."""
        try:
            rows = await loop.run_in_executor(None, self._compute, np.concatenate([p.latents for p in group]), group[0].output)
        except Exception as error:
            if fail:
                self._fail(group, error)
            return False
        self.batches += 1
        self._hand_out(group, rows)
        return True

    @staticmethod
    def _fail(group: list[_Pending], error: BaseException) -> None:
        for p in group:
            if not p.done.done():
                p.done.set_exception(error)

    @staticmethod
    def _hand_out(group: list[_Pending], rows: np.ndarray) -> None:
        start = 0
        for p in group:
            if not p.done.done():
                p.done.set_result(rows[start:start + len(p.latents)])
            start += len(p.latents)

    async def close(self) -> None:
        """Stop the worker; a request still queued or in a pass gets an error instead of waiting forever.

        The server stops taking requests and answers those it accepted before it closes the batcher.
        """
        if self._worker is not None:
            self._worker.cancel()
            try:
                await self._worker
            except asyncio.CancelledError:
                pass
        left = [*self._running, *([self._held] if self._held else [])]
        while self._queue is not None and not self._queue.empty():
            left.append(self._queue.get_nowait())
        self._fail(left, GanRuntimeError("the server is stopping; send the request again"))
        self._queue, self._worker, self._held, self._running = None, None, None, []
