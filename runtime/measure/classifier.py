"""The measuring classifier: a FashionMNIST CNN ``.onnx`` opened once, reused for every batch.

The report judges its generator by looking at 8 images; ganedge measures
instead, with a classifier trained on FashionMNIST (``gan-train-classifier``,
exported by ``gan-export --classifier``). Class shares (``gan-run --explain``,
``gan-sweep``) come from its predictions, Frechet distance and
precision/recall (``gan-eval``) from its 128-number feature vector.

Images go in exactly as the generator makes them: float32 ``[N, 1, 28, 28]``
in [-1, 1]. :func:`pixels_to_input` maps uint8 pixels (the test split, a PNG)
there with the exporter's mapping (:func:`~ganedge.runtime.base.pixels.pixels_to_values`).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ..base.contract import CLASSIFIER_INPUT_NAME, CLASSIFIER_OUTPUT_NAMES, HOW_TO_GET_CLASSIFIER, ClassifierMetadata
from ..base.errors import GanRuntimeError
from ..base.pixels import pixels_to_values
from ..generator.session import OpenedModel, run
from ..models import BUNDLED_CLASSIFIER

DEFAULT_CLASSIFY_CHUNK = 256  # images per forward pass: conv activations stay ~30 MiB, and it is as fast as larger chunks


def pixels_to_input(pixels: np.ndarray) -> np.ndarray:
    """uint8 pixels ``[N, H, W]`` -> the classifier's input, float32 ``[N, 1, H, W]`` in [-1, 1].

    The inverse of the exporter's pixel mapping, so a generated image measured
    through its pixels is measured exactly as it is seen in a PNG.

    Examples
    --------
    >>> pixels_to_input(np.array([[[0, 255]]], dtype=np.uint8)).tolist()
    [[[[-1.0, 1.0]]]]
    """
    values = np.asarray(pixels)
    if values.dtype != np.uint8 or values.ndim != 3:
        raise GanRuntimeError(f"pixels must be uint8 [N, H, W], got {values.dtype} {list(values.shape)}")
    return pixels_to_values(values)[:, None]


def softmax(logits: np.ndarray) -> np.ndarray:
    """Row-wise softmax, stable for large logits.

    Examples
    --------
    >>> softmax(np.array([[0.0, 0.0], [1000.0, 0.0]])).round(3).tolist()
    [[0.5, 0.5], [1.0, 0.0]]
    """
    shifted = np.asarray(logits, dtype=np.float64)
    shifted = shifted - shifted.max(axis=1, keepdims=True)
    exp = np.exp(shifted)
    return exp / exp.sum(axis=1, keepdims=True)


class ClassifierModel(OpenedModel):
    """A ganedge classifier ``.onnx`` opened once; safe to share between threads.

    Parameters
    ----------
    path : str or Path, optional
        The ``.onnx`` file; ``None`` uses the classifier bundled with ganedge.
    device : {"auto", "cpu", "cuda"}
        As for :class:`~ganedge.runtime.GeneratorModel`.

    Raises
    ------
    GanRuntimeError
        Missing or corrupt file, a generator (or anything else) given as the
        classifier, onnxruntime missing, CUDA asked for but not working.

    Examples
    --------
    >>> from ganedge.runtime import GeneratorModel
    >>> classifier = ClassifierModel(device="cpu")       # the bundled one; or ClassifierModel("classifier.onnx")
    >>> images = GeneratorModel(device="cpu").generate(np.zeros((4, 100), np.float32), output="float")
    >>> probabilities, features = classifier.classify(images)
    >>> probabilities.shape, features.shape
    ((4, 10), (4, 128))
    """

    def __init__(self, path: str | Path | None = None, device: str = "auto", threads: int | None = None) -> None:
        if path is None and not BUNDLED_CLASSIFIER.is_file():
            raise GanRuntimeError(f"no classifier: the bundled one is missing from this install; {HOW_TO_GET_CLASSIFIER}")
        super().__init__(Path(path) if path is not None else BUNDLED_CLASSIFIER, device, threads)
        self._metadata = self._check_graph()
        self._probe()

    def _check_graph(self) -> ClassifierMetadata:
        try:
            meta = ClassifierMetadata.from_map(self._session.get_modelmeta().custom_metadata_map)
        except ValueError as error:
            raise GanRuntimeError(f"{str(self._path)!r} {error}") from None
        inputs = [i.name for i in self._session.get_inputs()]
        outputs = [o.name for o in self._session.get_outputs()]
        if inputs != [CLASSIFIER_INPUT_NAME] or outputs != list(CLASSIFIER_OUTPUT_NAMES):
            raise GanRuntimeError(
                f"{str(self._path)!r} is not a ganedge classifier: expected input {CLASSIFIER_INPUT_NAME!r} and outputs "
                f"{list(CLASSIFIER_OUTPUT_NAMES)}, found inputs {inputs} and outputs {outputs}"
            )
        return meta

    def _probe(self) -> None:
        """Run two blank images once: a file whose graph computes other shapes than it claims is refused now."""
        shape = self._metadata.image_shape
        logits, features = run(self._session, list(CLASSIFIER_OUTPUT_NAMES),
                               {CLASSIFIER_INPUT_NAME: np.zeros((2, *shape), np.float32)}, self._path)
        wanted = [(2, len(self._metadata.class_names)), (2, self._metadata.feature_dim)]
        if [logits.shape, features.shape] != wanted:
            raise GanRuntimeError(f"{str(self._path)!r} claims {len(self._metadata.class_names)} classes and "
                                  f"{self._metadata.feature_dim} features but computes {[list(logits.shape), list(features.shape)]} "
                                  "for 2 images; it is not a working ganedge classifier")

    @property
    def metadata(self) -> ClassifierMetadata:
        """Class names, feature size, test accuracy; everything else in ``raw``."""
        return self._metadata

    @property
    def class_names(self) -> tuple[str, ...]:
        """Names by class id, e.g. ``("T-shirt/top", "Trouser", ...)``."""
        return self._metadata.class_names

    def outputs(self, images: np.ndarray, chunk_size: int = DEFAULT_CLASSIFY_CHUNK) -> tuple[np.ndarray, np.ndarray]:
        """The file's raw outputs for float images ``[N, 1, H, W]`` in [-1, 1]: ``(logits, features)``, float32.

        Runs ``chunk_size`` images per forward pass, so memory stays bounded
        for any ``N``. Thread-safe.

        Examples
        --------
        >>> logits, features = ClassifierModel(device="cpu").outputs(np.zeros((2, 1, 28, 28), np.float32))
        >>> logits.shape, features.shape
        ((2, 10), (2, 128))
        """
        try:
            batch = np.ascontiguousarray(images, dtype=np.float32)
        except (TypeError, ValueError):
            raise GanRuntimeError(f"images must be float numbers [N, 1, H, W], got {type(images).__name__}") from None
        shape = self._metadata.image_shape
        if batch.ndim != 4 or batch.shape[1:] != shape or batch.shape[0] == 0:
            raise GanRuntimeError(f"images must be [N, {', '.join(map(str, shape))}] with N >= 1, got shape {list(batch.shape)}")
        if isinstance(chunk_size, bool) or not isinstance(chunk_size, (int, np.integer)) or chunk_size < 1:
            raise GanRuntimeError(f"chunk_size must be a whole number >= 1, got {chunk_size!r}")
        logits = np.empty((len(batch), len(self.class_names)), dtype=np.float32)
        features = np.empty((len(batch), self._metadata.feature_dim), dtype=np.float32)
        for start in range(0, len(batch), chunk_size):
            logits[start:start + chunk_size], features[start:start + chunk_size] = run(
                self._session, list(CLASSIFIER_OUTPUT_NAMES), {CLASSIFIER_INPUT_NAME: batch[start:start + chunk_size]},
                self._path)
        return logits, features

    def classify(self, images: np.ndarray, chunk_size: int = DEFAULT_CLASSIFY_CHUNK) -> tuple[np.ndarray, np.ndarray]:
        """Class probabilities and feature vectors of float images ``[N, 1, H, W]`` in [-1, 1] (see :meth:`outputs`).

        Returns
        -------
        tuple of np.ndarray
            ``(probabilities float64 [N, classes], features float32 [N, feature_dim])``.

        Examples
        --------
        >>> probabilities, features = ClassifierModel(device="cpu").classify(np.zeros((2, 1, 28, 28), np.float32))
        >>> bool(np.allclose(probabilities.sum(axis=1), 1))
        True
        """
        logits, features = self.outputs(images, chunk_size)
        return softmax(logits), features

    def classify_pixels(self, pixels: np.ndarray, chunk_size: int = DEFAULT_CLASSIFY_CHUNK) -> tuple[np.ndarray, np.ndarray]:
        """:meth:`classify` for uint8 pixels ``[N, H, W]`` (a PNG's, the test split's), chunk by chunk.

        Examples
        --------
        >>> probabilities, _ = ClassifierModel(device="cpu").classify_pixels(np.zeros((3, 28, 28), np.uint8))
        >>> probabilities.shape
        (3, 10)
        """
        values = np.asarray(pixels)
        if values.dtype != np.uint8 or values.ndim != 3 or len(values) == 0:
            raise GanRuntimeError(f"pixels must be uint8 [N, H, W] with N >= 1, got {values.dtype} {list(values.shape)}")
        probabilities = np.empty((len(values), len(self.class_names)), dtype=np.float64)
        features = np.empty((len(values), self._metadata.feature_dim), dtype=np.float32)
        for start in range(0, len(values), chunk_size):
            part = self.classify(pixels_to_input(values[start:start + chunk_size]), chunk_size)
            probabilities[start:start + len(part[0])], features[start:start + len(part[0])] = part
        return probabilities, features

    def predict_pixels(self, pixels: np.ndarray, chunk_size: int = DEFAULT_CLASSIFY_CHUNK) -> np.ndarray:
        """The predicted class (argmax) of each uint8 image ``[N, H, W]``, chunk by chunk: int64 ``[N]``.

        Keeps neither probabilities nor features, so counting classes over
        many images needs memory for one chunk only.

        Examples
        --------
        >>> ClassifierModel(device="cpu").predict_pixels(np.zeros((3, 28, 28), np.uint8)).shape
        (3,)
        """
        values = np.asarray(pixels)
        if values.dtype != np.uint8 or values.ndim != 3 or len(values) == 0:
            raise GanRuntimeError(f"pixels must be uint8 [N, H, W] with N >= 1, got {values.dtype} {list(values.shape)}")
        predicted = np.empty(len(values), dtype=np.int64)
        for start in range(0, len(values), chunk_size):
            logits, _ = run(self._session, list(CLASSIFIER_OUTPUT_NAMES),
                            {CLASSIFIER_INPUT_NAME: pixels_to_input(values[start:start + chunk_size])}, self._path)
            predicted[start:start + len(logits)] = logits.argmax(axis=1)
        return predicted


def load_classifier(path: str | Path | None = None, device: str = "auto", threads: int | None = None) -> ClassifierModel:
    """Open a ganedge classifier ``.onnx`` (``None``: the bundled one) on ``device``.

    Examples
    --------
    >>> load_classifier(device="cpu").class_names[:2]
    ('T-shirt/top', 'Trouser')
    """
    return ClassifierModel(path, device, threads)
