"""Class shares: what share of a set of images the measuring classifier calls each class, and how far that moves.

The report reads meaning into latent numbers by looking at 8 images ("#71 ~
T-shirt"). Here the classifier counts instead: the *class shares* of a set of
images are the fraction predicted as each class (argmax), and how far an edit
moves them is the *total variation distance* between the shares before and
after, ``TV = 1/2 sum |p - q|`` (0: same histogram, 1: disjoint).
:func:`row_class_shares` is ``gan-run --explain``: the shares of each row of a
grid (1/8 steps for 8 images; ``--n 2000`` gives numbers that mean something).
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

from ..base.errors import GanRuntimeError
from .classifier import ClassifierModel

DEFAULT_TOP_CLASSES = 3
SHORT_CLASS_NAMES = {"T-shirt/top": "T-shirt", "Ankle boot": "Boot"}


def class_shares(probabilities: np.ndarray) -> np.ndarray:
    """The share of images predicted (argmax) as each class; sums to 1.

    Examples
    --------
    >>> class_shares(np.array([[0.9, 0.1], [0.2, 0.8], [0.6, 0.4], [0.7, 0.3]])).tolist()
    [0.75, 0.25]
    """
    probabilities = np.asarray(probabilities)
    if probabilities.ndim != 2 or len(probabilities) == 0:
        raise GanRuntimeError(f"probabilities must be [N, classes] with N >= 1, got shape {list(probabilities.shape)}")
    counts = np.bincount(probabilities.argmax(axis=1), minlength=probabilities.shape[1])
    return counts / len(probabilities)


def total_variation(shares_a: np.ndarray, shares_b: np.ndarray) -> np.ndarray:
    """Total variation distance ``1/2 sum |a - b|`` over the last axis (0 = same, 1 = disjoint).

    Examples
    --------
    >>> float(total_variation(np.array([1.0, 0.0]), np.array([0.25, 0.75])))
    0.75
    """
    return 0.5 * np.abs(np.asarray(shares_a) - np.asarray(shares_b)).sum(axis=-1)


def counted_shares(predicted: np.ndarray, classes: int) -> np.ndarray:
    """Class shares of predicted class ids ``[N]``: the share of each class in ``0..classes-1``.

    Examples
    --------
    >>> counted_shares(np.array([1, 1, 0, 2]), 3).tolist()
    [0.25, 0.5, 0.25]
    """
    return np.bincount(predicted, minlength=classes) / len(predicted)


def row_class_shares(classifier: ClassifierModel, rows: np.ndarray) -> np.ndarray:
    """Class shares of each row of uint8 images ``[rows, n, H, W]`` -> float64 ``[rows, classes]``.

    Counts predictions chunk by chunk, so memory stays bounded whatever the
    rows and ``n``.

    Examples
    --------
    >>> from ganedge.runtime import load_classifier, load_generator
    >>> generator, classifier = load_generator(device="cpu"), load_classifier(device="cpu")
    >>> rows = np.stack([generator.generate(generator.sample_latents(200, seed=s)) for s in (0, 1)])
    >>> row_class_shares(classifier, rows).sum(axis=1).round(6).tolist()
    [1.0, 1.0]
    """
    rows = np.asarray(rows)
    if rows.ndim != 4:
        raise GanRuntimeError(f"rows must be uint8 [rows, n, H, W], got shape {list(rows.shape)}")
    classes = len(classifier.class_names)
    return np.stack([counted_shares(classifier.predict_pixels(row), classes) for row in rows])


def short_name(name: str) -> str:
    """A class name short enough for a caption or a heatmap column ("T-shirt/top" -> "T-shirt")."""
    return SHORT_CLASS_NAMES.get(name, name)


def top_classes(shares: np.ndarray, class_names: Sequence[str], top: int = DEFAULT_TOP_CLASSES) -> list[tuple[str, float]]:
    """The ``top`` largest shares as ``(name, share)``, largest first, ties by class id; zero shares left out.

    Examples
    --------
    >>> top_classes(np.array([0.25, 0.75, 0.0]), ["a", "b", "c"])
    [('b', 0.75), ('a', 0.25)]
    """
    order = np.argsort(-np.asarray(shares), kind="stable")[:top]
    return [(class_names[i], float(shares[i])) for i in order if shares[i] > 0]
