"""The embeddable generator: one object, created once, reused for every batch.

Latent numbers count from 1 to the latent size everywhere in this API, as the
report does ("the 71st number"); 0 and numbers above the latent size are errors.
"""

from __future__ import annotations

import math
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, Sequence

import numpy as np

from ..base.contract import INPUT_NAME, OUTPUT_NAME, PIXELS_NAME, GeneratorMetadata
from ..base.errors import GanRuntimeError
from ..base.pictures import render_grid
from ..base.devices import CUDA_PROVIDER
from ..base.pixels import to_uint8
from ..models import BUNDLED_MODEL
from ..base.sefa import SefaDirections
from ..base.whole_numbers import is_whole_number
from ..base.onnx_prune import keep_outputs
from .directions import direction_edits, sefa_directions
from .bound_runs import BOUND_BATCH
from .chunk_workers import ChunkWorkers
from .graph_sessions import GraphSessions
from .latents import LatentEdit, perturb_edits, perturb_latents, sample_latents
from .graph import check_graph, probe
from .session import OpenedModel, check_threads, run, run_into

if TYPE_CHECKING:
    from PIL import Image

# Latents per forward pass: on the CPU the largest batch run in one pass, and the chunk of float images
# past it, small enough to stay in cache for the bias and tanh passes; on CUDA each pass costs a launch
# and two copies, so chunks are large (bounded: ~200 MiB of images). Figures in docs/decisions.md.
DEFAULT_CHUNK_SIZE = 1024
CUDA_CHUNK_SIZE = 65536
# CPU batches of more than DEFAULT_CHUNK_SIZE latents asking for the graph's uint8 pixels run in
# chunks of this size: the float images, then their three passes (tanh, shift, quantize), stay in a
# core's L2 cache (0.8 MB per chunk against 3.2 MB).
PIXELS_CHUNK_SIZE = 256
# Batches up to this size run on a one-thread CPU session: waking a thread pool costs more
# than the work of a few latents (docs/decisions.md).
SMALL_BATCH = 64
OUTPUTS = ("uint8", "float")


class GeneratorModel(OpenedModel):
    """A ganedge generator ``.onnx`` opened once; safe to share between threads.

    Parameters
    ----------
    path : str or Path, optional
        The ``.onnx`` file; ``None`` uses the model bundled with ganedge.
    device : {"auto", "cpu", "cuda"}
        ``auto`` uses CUDA only when the CUDA provider really loads, quietly
        falling back to CPU; ``cuda`` raises when CUDA does not work.
    threads : int, optional
        The most threads a large batch uses; ``None``: one per physical
        core (onnxruntime's default). Batches of up to ``SMALL_BATCH``
        latents run on one thread, which is faster for them; up to
        ``DEFAULT_CHUNK_SIZE`` in one pass on onnxruntime's intra-op
        threads; larger ones as whole chunks side by side, one thread each.

    Raises
    ------
    GanRuntimeError
        Missing, corrupt or non-generator file; onnxruntime missing; CUDA
        asked for but not working.

    Examples
    --------
    >>> model = GeneratorModel(device="cpu")  # the bundled model; or GeneratorModel("my.onnx")
    >>> z = model.sample_latents(8, seed=0)
    >>> rows = [model.generate(z)] + [model.generate(v) for v in model.perturb(z, 71, [-10, 10, 100])]
    >>> grid = model.render(rows, ["random z", "#71 = -10", "#71 = 10", "#71 = 100"])
    >>> grid.size
    (775, 346)
    """

    def __init__(self, path: str | Path | None = None, device: str = "auto", threads: int | None = None) -> None:
        threads = check_threads(threads)
        # The session opened now runs small batches on one thread; a CPU session with ``threads`` threads for
        # large batches is opened on first use (most calls never need it, and a cold start pays for each).
        super().__init__(Path(path) if path is not None else BUNDLED_MODEL, device, 1)
        self._threads = threads
        self._metadata = check_graph(self._session, self._path)
        probe(self._session, self._metadata, self._path)
        # More than one chunk: whole chunks side by side on a one-thread session (chunk_workers.py).
        self._chunk_workers = ChunkWorkers(threads)
        channels, height, width = self._metadata.image_shape
        self._shapes = {OUTPUT_NAME: (channels, height, width), PIXELS_NAME: (height, width)}
        self._dtypes = {OUTPUT_NAME: np.float32, PIXELS_NAME: np.uint8}
        pixels_output = PIXELS_NAME if self._metadata.has_pixels else OUTPUT_NAME
        self._names = {"uint8": [pixels_output], "float": [OUTPUT_NAME]}  # what to ask the graph for
        self._whole = GraphSessions(self._path, threads, self._item_types(self._metadata.outputs),
                                    one_thread=self._session, on_cuda=self._provider == CUDA_PROVIDER)
        # Float output on the CPU runs on the graph without its pixel nodes, opened on the first float call
        # (graph_sessions.py); on CUDA, or for a file without pixels, the whole graph is that graph.
        self._float_only = self._whole if self._provider == CUDA_PROVIDER or not self._metadata.has_pixels else None
        self._opening = threading.Lock()
        self._latent_dim = self._metadata.latent_dim

    def _item_types(self, outputs: Sequence[str]) -> dict[str, tuple[tuple[int, ...], Any]]:
        return {name: (self._shapes[name], self._dtypes[name]) for name in outputs}

    def _sessions(self, output: str) -> GraphSessions:
        """The sessions for ``output``: the whole graph for pixels, the graph cut to ``image`` for float (CPU)."""
        if output != "float":
            return self._whole
        if self._float_only is None:
            with self._opening:
                if self._float_only is None:
                    try:
                        graph = keep_outputs(self._path.read_bytes(), {OUTPUT_NAME})
                    except (OSError, ValueError) as error:  # the file changed since it was opened
                        raise GanRuntimeError(f"cannot read {str(self._path)!r} again for float output: {error}") from None
                    self._float_only = GraphSessions(self._path, self._threads, self._item_types([OUTPUT_NAME]),
                                                     graph=graph)
        return self._float_only

    @property
    def metadata(self) -> GeneratorMetadata:
        """Everything the file says about itself (latent size, image shape, provenance in ``raw``)."""
        return self._metadata

    @property
    def latent_dim(self) -> int:
        """How many numbers a latent vector has (latent numbers count 1..latent_dim)."""
        return self._metadata.latent_dim

    @property
    def image_shape(self) -> tuple[int, int, int]:
        """``(channels, height, width)`` of one generated image, e.g. ``(1, 28, 28)``."""
        return self._metadata.image_shape

    def sample_latents(self, n: int, seed: int = 0) -> np.ndarray:
        """``n`` standard-normal latent vectors, float32 ``[n, latent_dim]``, the same for the same seed.

        Examples
        --------
        >>> GeneratorModel(device="cpu").sample_latents(8, seed=0).shape
        (8, 100)
        """
        return sample_latents(n, seed, self.latent_dim)

    def generate(
        self, latents: np.ndarray, *, output: Literal["uint8", "float"] = "uint8", chunk_size: int | None = None
    ) -> np.ndarray:
        """Run the generator on ``latents``, ``chunk_size`` vectors per forward pass.

        Memory stays bounded for any ``n``: with ``output="uint8"`` only one
        chunk of float images per working thread exists at a time. On the CPU
        a batch of more than one chunk runs as whole chunks side by side, one
        thread each, up to ``threads`` at once. Thread-safe.

        Parameters
        ----------
        latents : np.ndarray
            ``[n, latent_dim]``, converted to float32.
        output : {"uint8", "float"}
            ``"uint8"``: pixels ``[n, H, W]`` (the model's value range mapped
            to 0..255); ``"float"``: the raw output ``[n, C, H, W]``.
        chunk_size : int, optional
            Latents per forward pass, >= 1; a batch of up to ``chunk_size``
            runs in one pass. Default on CPU: batches of up to 1024 in one
            pass, larger ones in chunks of 256 for uint8 pixels and 1024 for
            float output (cache-sized, fastest measured); on CUDA 65536
            (fewer launches and copies).

        Returns
        -------
        np.ndarray
            uint8 ``[n, H, W]`` or float32 ``[n, C, H, W]``.

        Examples
        --------
        >>> model = GeneratorModel(device="cpu")
        >>> model.generate(model.sample_latents(8, seed=0)).shape
        (8, 28, 28)
        """
        names = self._names.get(output)
        if names is None:
            raise GanRuntimeError(f"output must be 'uint8' or 'float', got {output!r}")
        z = self._checked_latents(latents)
        n = z.shape[0]
        convert = names[0] == OUTPUT_NAME and output == "uint8"  # an older file: the runtime maps pixels itself
        sessions = self._sessions(output)
        if chunk_size is None and n <= SMALL_BATCH:  # the common call (gan-run, an app): one pass, one thread
            try:
                if n <= BOUND_BATCH and sessions.bound is not None:  # buffers bound once per thread (bound_runs.py)
                    images = sessions.bound.run(names[0], z)
                else:
                    images = sessions.run_direct(names, {INPUT_NAME: z})[0]
            except Exception:  # the error path, once: re-run through run() for its one-line message
                images = run(sessions.one_thread, names, {INPUT_NAME: z}, self._path)[0]
            return self._to_uint8(images) if convert else images
        on_cuda = self._provider == CUDA_PROVIDER
        if chunk_size is None:
            one_pass = CUDA_CHUNK_SIZE if on_cuda else DEFAULT_CHUNK_SIZE
            chunk_size = PIXELS_CHUNK_SIZE if not on_cuda and output == "uint8" and not convert else one_pass
        elif not is_whole_number(chunk_size, 1):
            raise GanRuntimeError(f"chunk_size must be a whole number >= 1, got {chunk_size!r}")
        else:
            one_pass = chunk_size
        name = names[0]
        if n <= one_pass:  # one pass: hand back onnxruntime's own array, nothing to assemble
            session = sessions.one_thread if n <= SMALL_BATCH else sessions.many_threads()
            images = run(session, names, {INPUT_NAME: z}, self._path)[0]
            return self._to_uint8(images) if convert else images
        stored = PIXELS_NAME if convert else name  # what the result holds
        result = np.empty((n, *self._shapes[stored]), self._dtypes[stored])
        size = chunk_size
        starts = range(0, n, size)
        if on_cuda:  # one GPU: chunk after chunk, each copied home (binding is slower there)
            for start in starts:
                images = run(self._session, [name], {INPUT_NAME: z[start : start + size]}, self._path)[0]
                result[start : start + size] = self._to_uint8(images) if convert else images
            return result

        def one_chunk(start: int) -> None:  # on the one-thread session, from up to `threads` threads at once
            feeds = {INPUT_NAME: z[start : start + size]}
            target = result[start : start + size]
            if convert:
                target[...] = self._to_uint8(run(sessions.one_thread, [name], feeds, self._path)[0])
            else:  # written in place by onnxruntime's last kernel: no second copy of a large batch
                run_into(sessions.one_thread, name, feeds, target, self._path)

        self._chunk_workers.run(one_chunk, starts)
        return result

    def _to_uint8(self, images: np.ndarray) -> np.ndarray:
        """Pixels of float images, converted ``DEFAULT_CHUNK_SIZE`` rows at a time.

        The conversion's scratch array then stays in cache, also on CUDA,
        where one large chunk comes home at once (docs/decisions.md).
        """
        if len(images) <= DEFAULT_CHUNK_SIZE:
            return to_uint8(images, self._metadata.value_range)
        pixels = np.empty((len(images), *images.shape[-2:]), dtype=np.uint8)
        for start in range(0, len(images), DEFAULT_CHUNK_SIZE):
            pixels[start : start + DEFAULT_CHUNK_SIZE] = to_uint8(
                images[start : start + DEFAULT_CHUNK_SIZE], self._metadata.value_range
            )
        return pixels

    def _checked_latents(self, latents: np.ndarray) -> np.ndarray:
        """``latents`` as C-contiguous float32 ``[n, latent_dim]``, n >= 1, every number finite."""
        try:
            z = np.ascontiguousarray(latents, dtype=np.float32)
        except (TypeError, ValueError):
            raise GanRuntimeError(f"latents must be numbers [n, {self.latent_dim}], got {type(latents).__name__}") from None
        shape = z.shape
        if len(shape) != 2 or shape[1] != self._latent_dim or shape[0] == 0:
            raise GanRuntimeError(f"latents must be [n, {self._latent_dim}] with n >= 1, got shape {list(shape)}")
        # One BLAS call that, unlike ndarray.dot, does not warn on overflow: NaN, infinity or |z| ~ 1e19 fail it
        if not math.isfinite(np.vdot(z, z)):
            raise GanRuntimeError("latents must be finite numbers: NaN, infinity or values near float32's limit "
                                  "make every pixel black")
        return z

    def perturb(self, latents: np.ndarray, number: int, values: Sequence[float]) -> list[np.ndarray]:
        """The report's experiment: latent number ``number`` (1-based) set to each value, in all vectors.

        Returns one latent batch per value (feed each to :meth:`generate`);
        ``latents`` is not changed. ``number`` counts from 1 to ``latent_dim``.

        Examples
        --------
        >>> model = GeneratorModel(device="cpu")
        >>> z = model.sample_latents(8, seed=0)
        >>> [float(v[0, 70]) for v in model.perturb(z, 71, [-10, 10, 100])]
        [-10.0, 10.0, 100.0]
        """
        return perturb_latents(self._checked_latents(latents), number, values)

    @property
    def sefa(self) -> SefaDirections:
        """The SeFa directions stored in the file (``gan-export`` writes them); an error if it has none."""
        return sefa_directions(self._metadata)

    def experiment_edits(self, perturb: Sequence[tuple[int, Sequence[float]]] = (),
                         direction: Sequence[tuple[int, Sequence[float]]] = ()) -> list[LatentEdit]:
        """The rows of the report's grid as edits (see :meth:`experiment`), each applied to the latents on demand.

        Examples
        --------
        >>> [edit.label for edit in GeneratorModel(device="cpu").experiment_edits(perturb=[(2, [0, 10])])]
        ['random z', '#2 = 0', '#2 = 10']
        """
        edits = perturb_edits(perturb, self.latent_dim) if perturb or not direction else []
        return edits + (direction_edits(self.sefa, direction) if direction else [])

    def experiment(self, latents: np.ndarray, perturb: Sequence[tuple[int, Sequence[float]]] = (),
                   direction: Sequence[tuple[int, Sequence[float]]] = ()) -> tuple[np.ndarray, list[str]]:
        """The latent rows and labels of the report's grid, as ``gan-run`` draws it.

        Each ``(number, values)`` of ``perturb`` gives the unmodified row
        ("random z") and one row per value with latent number ``number``
        (1-based) set to it; each ``(k, values)`` of ``direction`` the same
        walking SeFa direction ``k`` additively. Neither: one unmodified row.

        Returns
        -------
        tuple
            float32 ``[rows, n, latent_dim]`` and one label per row.

        Examples
        --------
        >>> model = GeneratorModel(device="cpu")
        >>> rows, labels = model.experiment(model.sample_latents(8), perturb=[(71, [-10, 10, 100])])
        >>> rows.shape, labels
        ((4, 8, 100), ['random z', '#71 = -10', '#71 = 10', '#71 = 100'])
        """
        z = self._checked_latents(latents)
        edits = self.experiment_edits(perturb, direction)
        return np.stack([edit.apply(z) for edit in edits]), [edit.label for edit in edits]

    def generate_rows(self, latent_rows: np.ndarray) -> np.ndarray:
        """:meth:`generate` for rows of latents ``[rows, n, latent_dim]`` -> uint8 ``[rows, n, H, W]``, in one pass.

        Examples
        --------
        >>> model = GeneratorModel(device="cpu")
        >>> model.generate_rows(model.experiment(model.sample_latents(8), perturb=[(2, [0, 10])])[0]).shape
        (3, 8, 28, 28)
        """
        rows = np.asarray(latent_rows)
        if rows.ndim != 3:
            raise GanRuntimeError(f"latent rows must be [rows, n, {self.latent_dim}], got shape {list(rows.shape)}")
        images = self.generate(rows.reshape(-1, rows.shape[-1]))
        return images.reshape(rows.shape[0], rows.shape[1], *images.shape[1:])

    def render(self, rows: Sequence[np.ndarray], labels: Sequence[str] | None = None, scale: int = 3) -> Image.Image:
        """Rows of uint8 images ``[n, H, W]`` as one labelled grid picture (see :func:`render_grid`).

        Examples
        --------
        >>> model = GeneratorModel(device="cpu")
        >>> model.render([model.generate(model.sample_latents(8))], ["random z"]).mode
        'L'
        """
        return render_grid(rows, labels, scale=scale)


def load_generator(path: str | Path | None = None, device: str = "auto", threads: int | None = None) -> GeneratorModel:
    """Open a ganedge generator ``.onnx`` (``None``: the bundled one) on ``device``.

    Latent numbers count from 1 to the latent size in every method, as in the report.

    Examples
    --------
    >>> model = load_generator(device="cpu")
    >>> model.latent_dim, model.image_shape, model.provider
    (100, (1, 28, 28), 'CPUExecutionProvider')
    """
    return GeneratorModel(path, device, threads)
