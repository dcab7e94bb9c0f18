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
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Callable

import numpy as np

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
        self.batches = 0  # forward passes run, for the benchmark's report

    async def submit(self, latents: np.ndarray, output: str) -> np.ndarray:
        """Queue ``latents`` for output ``output`` and wait for their rows."""
        if self._queue is None:
            self._queue = asyncio.Queue()
            self._worker = asyncio.get_running_loop().create_task(self._run())
        pending = _Pending(latents, output)
        await self._queue.put(pending)
        return await pending.done

    async def _run(self) -> None:
        assert self._queue is not None
        loop = asyncio.get_running_loop()
        while True:
            first = await self._queue.get()
            gathered, size = [first], len(first.latents)
            deadline = loop.time() + self._max_delay
            while size < self._max_batch:
                try:
                    timeout = max(deadline - loop.time(), 0.0)
                    pending = self._queue.get_nowait() if timeout == 0 else await asyncio.wait_for(self._queue.get(), timeout)
                except (asyncio.QueueEmpty, asyncio.TimeoutError):
                    break
                gathered.append(pending)
                size += len(pending.latents)
            for output in {p.output for p in gathered}:
                group = [p for p in gathered if p.output == output]
                try:
                    rows = await loop.run_in_executor(None, self._compute, np.concatenate([p.latents for p in group]), output)
                except Exception as error:  # every request of the batch gets the error (a bad one is refused before)
                    for p in group:
                        if not p.done.done():
                            p.done.set_exception(error)
                    continue
                self.batches += 1
                start = 0
                for p in group:
                    if not p.done.done():
                        p.done.set_result(rows[start:start + len(p.latents)])
                    start += len(p.latents)

    async def close(self) -> None:
        """Stop the worker (requests still queued are not answered; the server drains before closing)."""
        if self._worker is not None:
            self._worker.cancel()
            try:
                await self._worker
            except asyncio.CancelledError:
                pass
