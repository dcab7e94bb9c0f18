"""Lerp against slerp, measured: what the midpoint between two random latents looks like to the classifier.

A straight-line midpoint of two standard-normal latents in 100 dimensions has
norm ~7.1 where the generator was trained on norms ~10 (see
:mod:`ganedge.runtime.generator.interpolate`). :func:`compare_midpoints`
measures what that does, on many pairs: each midpoint's latent norm, the
measuring classifier's confidence in its image (the largest softmax
probability) and the image's mean absolute value (the generator's tanh
output: -1 is black background, so a lower mean |value| is a greyer,
washed-out picture). The random endpoints themselves are the reference.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..base.errors import GanRuntimeError
from ..generator.interpolate import lerp, slerp
from ..generator.model import GeneratorModel
from .classifier import ClassifierModel

DEFAULT_PAIRS = 1000


@dataclass(frozen=True)
class PointStats:
    """Means over a set of latents: their ``latent_norm``, the classifier's ``confidence`` (max softmax) in their
    images and the images' ``mean_abs_value``."""

    latent_norm: float
    confidence: float
    mean_abs_value: float


def point_stats(model: GeneratorModel, classifier: ClassifierModel, latents: np.ndarray) -> PointStats:
    """:class:`PointStats` of ``latents`` ``[n, latent_dim]``: their norms and their images as the classifier sees them.

    Examples
    --------
    >>> model, classifier = GeneratorModel(device="cpu"), ClassifierModel(device="cpu")
    >>> stats = point_stats(model, classifier, model.sample_latents(50, seed=0))
    >>> 9 < stats.latent_norm < 11, 0 < stats.confidence <= 1
    (True, True)
    """
    images = model.generate(latents, output="float")
    probabilities, _ = classifier.classify(images)
    return PointStats(float(np.linalg.norm(np.asarray(latents, np.float64), axis=1).mean()),
                      float(probabilities.max(axis=1).mean()), float(np.abs(images, dtype=np.float64).mean()))


def compare_midpoints(model: GeneratorModel, classifier: ClassifierModel, pairs: int = DEFAULT_PAIRS,
                      seed: int = 0) -> dict[str, PointStats]:
    """The endpoints, the lerp midpoints and the slerp midpoints of ``pairs`` random pairs, measured.

    The pairs are rows ``i`` and ``pairs + i`` of ``model.sample_latents(2 * pairs, seed)``.

    Returns
    -------
    dict
        ``{"endpoints": ..., "lerp": ..., "slerp": ...}`` of :class:`PointStats`.

    Examples
    --------
    >>> stats = compare_midpoints(GeneratorModel(device="cpu"), ClassifierModel(device="cpu"), pairs=200)
    >>> {name: round(point.latent_norm) for name, point in stats.items()}
    {'endpoints': 10, 'lerp': 7, 'slerp': 10}
    """
    if isinstance(pairs, bool) or not isinstance(pairs, (int, np.integer)) or pairs < 1:
        raise GanRuntimeError(f"pairs must be a whole number >= 1, got {pairs!r}")
    z = model.sample_latents(2 * int(pairs), seed)
    a, b = z[:pairs], z[pairs:]
    return {"endpoints": point_stats(model, classifier, z), "lerp": point_stats(model, classifier, lerp(a, b, 0.5)),
            "slerp": point_stats(model, classifier, slerp(a, b, 0.5))}
