"""Small CPU batches through IO bindings made once per thread: the call allocates and converts nothing.

A batch-1 ``generate()`` is mostly onnxruntime's fixed cost per run, and part
of that cost is the call itself: turning the feed dict into an ``OrtValue``,
allocating the output, wrapping it as a numpy array. A binding made once,
whose input and output are buffers owned here, skips all three; a call then
copies the latent in, runs, and copies the 784 output bytes out (the caller
owns its result). At batch 1 on the 2-core Intel VM: 8.4-9.2 us against
10.3-11.0 us for the direct ``run`` (docs/decisions.md).

Every output of the graph is bound, the ones not asked for into scratch
buffers kept with the binding: onnxruntime runs every node whichever
outputs are fetched (pruning to the fetches exists only in its training
builds), and an output left unbound is allocated afresh on every run
(0.2 us of 7.2 at batch 1, docs/decisions.md).

Each thread gets its own bindings and buffers (``threading.local``), so
threads sharing a model never share a buffer; onnxruntime's ``Run`` is
thread-safe on one session. Only batches of up to :data:`BOUND_BATCH`
latents are bound (one binding per output and size, per thread): larger
ones gain nothing measurable against their own compute.
"""

from __future__ import annotations

import threading
from typing import Any

import numpy as np

from .session import reusable_run_options

BOUND_BATCH = 8


class BoundRuns:
    """``run(name, z)``: output ``name`` for latents ``z`` (float32 C-contiguous ``[n, latent_dim]``, n <= 8).

    ``outputs`` names every output of the graph with the shape of one item
    and its dtype.

    Examples
    --------
    >>> from ganedge.runtime.generator.session import open_session
    >>> from ganedge.runtime.models import BUNDLED_MODEL
    >>> session, _ = open_session(BUNDLED_MODEL, "cpu")
    >>> runs = BoundRuns.for_session(session, "z", {"image": ((1, 28, 28), np.float32), "pixels": ((28, 28), np.uint8)})
    >>> runs.run("pixels", np.zeros((2, 100), np.float32)).shape
    (2, 28, 28)
    """

    def __init__(self, session: Any, input_name: str, outputs: dict[str, tuple[tuple[int, ...], Any]]) -> None:
        self._session = session
        self._inner = session._sess
        self._input_name = input_name
        self._outputs = outputs  # name -> (shape of one item, dtype)
        self._run_options = reusable_run_options()
        self._local = threading.local()

    @classmethod
    def for_session(cls, session: Any, input_name: str,
                    outputs: dict[str, tuple[tuple[int, ...], Any]]) -> BoundRuns | None:
        """Bound runs on a CPU ``session``, or ``None`` where onnxruntime lacks the C++ session this uses."""
        inner = getattr(session, "_sess", None)
        if inner is None or not hasattr(inner, "run_with_iobinding") or not hasattr(session, "io_binding"):
            return None
        return cls(session, input_name, outputs)

    def run(self, name: str, z: np.ndarray) -> np.ndarray:
        bindings = self._local.__dict__  # this thread's (name, n) -> (input buffer, output buffer, binding)
        key = (name, z.shape[0])
        bound = bindings.get(key)
        if bound is None:
            bound = bindings[key] = self._bind(name, z.shape)
        latents, output, binding, _ = bound
        latents[...] = z
        self._inner.run_with_iobinding(binding, self._run_options)
        return output.copy()

    def _bind(self, name: str, input_shape: tuple[int, ...]) -> tuple[np.ndarray, np.ndarray, Any, dict[str, np.ndarray]]:
        """Buffers for the latents and every output, bound once; returns the one for ``name`` and all of them."""
        latents = np.empty(input_shape, np.float32)
        binding = self._session.io_binding()
        binding.bind_input(self._input_name, "cpu", 0, np.float32, list(latents.shape), latents.ctypes.data)
        buffers = {}
        for output_name, (item_shape, dtype) in self._outputs.items():
            buffer = buffers[output_name] = np.empty((input_shape[0], *item_shape), dtype)
            binding.bind_output(output_name, "cpu", 0, dtype, list(buffer.shape), buffer.ctypes.data)
        return latents, buffers[name], binding._iobinding, buffers  # the binding points into every buffer: keep them
