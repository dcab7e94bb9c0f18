"""The sessions one view of a generator file runs on: one thread, many threads, bound small batches.

A :class:`~ganedge.runtime.GeneratorModel` has two views of its file on the
CPU: the whole graph, for the default uint8 pixels, and the graph cut down
to its float ``image`` (:func:`~ganedge.runtime.base.onnx_prune.keep_outputs`),
opened on the first float call, because onnxruntime would otherwise compute
the pixels for every float batch too (docs/decisions.md). Each view has a
one-thread session (batches of up to 64 latents, and chunks side by side),
a session with the threads asked for (larger batches run in one pass,
opened on first use) and bound runs for batches of up to 8. On CUDA all three are the
one CUDA session.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any, Callable

import numpy as np

from ..base.contract import INPUT_NAME
from .bound_runs import BoundRuns
from .session import direct_run, open_session


class GraphSessions:
    """Sessions for one view of the file at ``path`` (``graph``: its bytes cut down; ``None``: the file itself).

    ``outputs`` names the view's outputs with the shape of one item and
    their dtype; ``one_thread`` is a session already open on the view
    (the model's first, on its device).

    Examples
    --------
    >>> from ganedge.runtime.models import BUNDLED_MODEL
    >>> sessions = GraphSessions(BUNDLED_MODEL, 2, {"image": ((1, 28, 28), np.float32), "pixels": ((28, 28), np.uint8)})
    >>> sessions.run_direct(["pixels"], {"z": np.zeros((3, 100), np.float32)})[0].shape
    (3, 28, 28)
    """

    def __init__(self, path: Path, threads: int | None, outputs: dict[str, tuple[tuple[int, ...], Any]],
                 one_thread: Any | None = None, graph: bytes | None = None, on_cuda: bool = False) -> None:
        self._path = path
        self._threads = threads
        self._graph = graph
        self.one_thread: Any = one_thread if one_thread is not None else open_session(path, "cpu", 1, graph)[0]
        self._many: Any = self.one_thread if on_cuda or threads == 1 else None
        self._opening = threading.Lock()
        self.run_direct: Callable[[list[str], dict[str, np.ndarray]], list[np.ndarray]] = direct_run(self.one_thread)
        self.bound = None if on_cuda else BoundRuns.for_session(self.one_thread, INPUT_NAME, outputs)

    def many_threads(self) -> Any:
        """The session with the threads asked for, opened once (thread-safe) on first use."""
        if self._many is None:
            with self._opening:
                if self._many is None:
                    self._many = open_session(self._path, "cpu", self._threads, self._graph)[0]
        return self._many
