"""``gan-eval``'s computation: how close a generator's images are to FashionMNIST, with yardsticks.

Everything is measured in the measuring classifier's feature space (see
:mod:`ganedge.runtime.measure.classifier`) against the test split, for three sets of
``n`` images each, so every number has two references beside it:

- ``generator``: ``n`` images from ``n`` random latents (seeded);
- ``floor`` (train vs test): ``n`` real training images, a fixed subset. Real
  data against real data is the best any generator can score at this ``n``;
- ``noise``: ``n`` images of uniform noise in [-1, 1] (seeded): what
  "nothing learned" scores.

Per set: Frechet distance (FD) to the test split's features, improved
precision and recall (k-NN manifolds, Kynkaanniemi et al. 2019), the
predicted-class histogram, how many classes get at least 2% of the images, and
the mean confidence (the mean of the top class probability).

Generated images are measured through their uint8 pixels, exactly as a PNG
shows them and as the dataset stores its images.

Why at least 500 images: FD fits a Gaussian to 128-number features, a
covariance with 8,256 free entries; below a few times 128 samples its estimate
is mostly noise and FD is dominated by its small-sample bias (the figures are
in docs/decisions.md). The floor is always measured at the same ``n``, so the
comparison holds at any allowed ``n``; 10,000 (the default, the size of the
test split) is the number to quote.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from ..base.errors import GanRuntimeError
from ..generator.model import GeneratorModel
from .classifier import ClassifierModel
from .metrics import DEFAULT_K, frechet_distance_between, manifold_radii, precision_recall
from .shares import class_shares

DEFAULT_EVAL_N = 10_000  # the size of the test split: the usual FID sample size
MIN_EVAL_N = 500  # see the module docstring: fewer and a 128x128 covariance estimate is mostly noise
MAX_EVAL_N = 60_000  # the floor needs n distinct training images
PRESENT_SHARE = 0.02  # a class "is generated" when at least 2% of the images are predicted as it
FLOOR_SUBSET_SEED = 0  # the floor's training images are the same whatever --seed says
NOISE_STREAM = 1  # the noise images come from their own stream of --seed, not the latents'
SET_NAMES = ("generator", "floor", "noise")


@dataclass(frozen=True)
class SampleQuality:
    """The measurements of one set of images against the test split.

    Examples
    --------
    >>> quality = SampleQuality(1.5, 0.7, 0.4, np.array([0.5, 0.49, 0.01]), 0.9)
    >>> quality.classes_present
    2
    """

    frechet_distance: float
    precision: float
    recall: float
    class_shares: np.ndarray  # [classes], sums to 1
    mean_confidence: float

    @property
    def classes_present(self) -> int:
        """How many classes get at least 2% of the images."""
        return int(np.sum(self.class_shares >= PRESENT_SHARE))

    def as_dict(self, class_names: tuple[str, ...]) -> dict[str, Any]:
        """Plain numbers for JSON, class shares by name."""
        return {
            "frechet_distance": round(self.frechet_distance, 6),
            "precision": round(self.precision, 6),
            "recall": round(self.recall, 6),
            "classes_present": self.classes_present,
            "mean_confidence": round(self.mean_confidence, 6),
            "class_shares": {name: round(float(share), 6) for name, share in zip(class_names, self.class_shares)},
        }


@dataclass(frozen=True)
class Evaluation:
    """``gan-eval``'s result: the generator, the floor and the noise reference, all with ``n`` images."""

    n: int
    seed: int
    k: int
    class_names: tuple[str, ...]
    generator: SampleQuality
    floor: SampleQuality
    noise: SampleQuality

    def sets(self) -> dict[str, SampleQuality]:
        """``{"generator": ..., "floor": ..., "noise": ...}``, in that order."""
        return {"generator": self.generator, "floor": self.floor, "noise": self.noise}

    def as_dict(self) -> dict[str, Any]:
        """Plain numbers for JSON; the same inputs always give the same dict."""
        return {
            "n": self.n, "seed": self.seed, "k": self.k, "present_share": PRESENT_SHARE,
            "class_names": list(self.class_names),
            **{name: quality.as_dict(self.class_names) for name, quality in self.sets().items()},
        }


def measure(probabilities: np.ndarray, features: np.ndarray, test_features: np.ndarray, k: int = DEFAULT_K,
            test_radii: np.ndarray | None = None) -> SampleQuality:
    """Score one set of classified images against the test split's features.

    ``test_radii`` (``manifold_radii(test_features, k)``) saves recomputing
    the test split's k-NN manifold, the costly part, for every set.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> test = rng.normal(size=(600, 8))
    >>> probabilities = np.tile([0.8, 0.2], (600, 1))
    >>> quality = measure(probabilities, test, test)
    >>> round(quality.frechet_distance, 6), quality.precision, quality.recall
    (0.0, 1.0, 1.0)
    """
    precision, recall = precision_recall(test_features, features, k, real_radii=test_radii)
    return SampleQuality(
        frechet_distance=frechet_distance_between(features, test_features),
        precision=precision,
        recall=recall,
        class_shares=class_shares(probabilities),
        mean_confidence=float(np.mean(np.max(probabilities, axis=1))),
    )


def check_n(n: int) -> int:
    """``n`` if it is a whole number in ``MIN_EVAL_N..MAX_EVAL_N``, else a :class:`GanRuntimeError` saying why."""
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or not MIN_EVAL_N <= n <= MAX_EVAL_N:
        raise GanRuntimeError(
            f"n must be {MIN_EVAL_N}..{MAX_EVAL_N} images, got {n!r}: below {MIN_EVAL_N} the 128x128 feature covariance "
            f"behind FD is mostly noise (and the floor needs n distinct training images)"
        )
    return int(n)


def floor_subset(train_pixels: np.ndarray, n: int) -> np.ndarray:
    """``n`` training images, a fixed subset (the same for every seed), in dataset order.

    Examples
    --------
    >>> floor_subset(np.arange(10, dtype=np.uint8).reshape(10, 1, 1), 3).ravel().tolist()
    [5, 6, 9]
    """
    if n > len(train_pixels):
        raise GanRuntimeError(f"the floor needs {n} training images but the train split has {len(train_pixels)}")
    chosen = np.random.default_rng(FLOOR_SUBSET_SEED).choice(len(train_pixels), size=n, replace=False)
    return np.asarray(train_pixels)[np.sort(chosen)]


def noise_pixels(n: int, seed: int, shape: tuple[int, int] = (28, 28)) -> np.ndarray:
    """``n`` images of uniform noise, uint8 ``[n, H, W]``: uniform in [-1, 1] once mapped to the model range.

    Examples
    --------
    >>> noise_pixels(4, seed=0).shape
    (4, 28, 28)
    """
    rng = np.random.default_rng([int(seed), NOISE_STREAM])
    return rng.integers(0, 256, size=(int(n), *shape), dtype=np.uint8)


def evaluate(generator: GeneratorModel, classifier: ClassifierModel, test_pixels: np.ndarray, train_pixels: np.ndarray,
             n: int = DEFAULT_EVAL_N, seed: int = 0, k: int = DEFAULT_K) -> Evaluation:
    """Measure ``generator`` against the test split, beside the floor and the noise reference.

    Parameters
    ----------
    generator, classifier
        The models (the classifier is the measuring instrument).
    test_pixels, train_pixels : np.ndarray
        uint8 ``[N, 28, 28]`` FashionMNIST splits (see :mod:`ganedge.runtime.base.dataset`).
    n : int
        Images per measured set, ``MIN_EVAL_N..MAX_EVAL_N``.
    seed : int
        Seed of the latents and the noise; the same seed gives the same numbers.
    k : int
        Neighbours of the k-NN manifolds of precision and recall.

    Examples
    --------
    >>> from ganedge.runtime import load_classifier, load_generator
    >>> from ganedge.runtime.base.dataset import DEBIAN_DIR, read_split
    >>> result = evaluate(load_generator(device="cpu"), load_classifier(device="cpu"),
    ...                   read_split(DEBIAN_DIR, "test").images, read_split(DEBIAN_DIR, "train").images, n=1000)
    >>> result.floor.frechet_distance < result.generator.frechet_distance < result.noise.frechet_distance
    True
    """
    n = check_n(n)
    if generator.image_shape[1:] != tuple(np.shape(test_pixels)[1:]):
        raise GanRuntimeError(f"the generator makes {list(generator.image_shape[1:])} images, the data has {list(np.shape(test_pixels)[1:])}")
    _, test_features = classifier.classify_pixels(test_pixels)
    test_radii = manifold_radii(test_features, k)
    pixels = {
        "generator": generator.generate(generator.sample_latents(n, seed)),
        "floor": floor_subset(train_pixels, n),
        "noise": noise_pixels(n, seed, tuple(np.shape(test_pixels)[1:])),  # type: ignore[arg-type]
    }
    results = {name: measure(*classifier.classify_pixels(images), test_features, k, test_radii)
               for name, images in pixels.items()}
    return Evaluation(n, int(seed), k, tuple(classifier.class_names), results["generator"], results["floor"], results["noise"])
