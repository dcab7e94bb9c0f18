"""Sample-quality metrics in a classifier's feature space, numpy only.

- Frechet distance (Heusel et al. 2017) between Gaussians fitted to two
  feature sets. With ganedge's FashionMNIST classifier as the feature
  extractor this is "classifier-FD", the usual stand-in for FID on MNIST-like
  data (Inception features need a download and mean little on 28x28 gray).
- Precision and recall with k-NN manifolds (Kynkaanniemi et al. 2019):
  precision is the share of generated samples inside the real manifold (the
  union of balls reaching each real sample's k-th neighbour), recall the share
  of real samples inside the generated manifold.
"""

from __future__ import annotations

import numpy as np

DEFAULT_K = 3
DISTANCE_CHUNK = 2048  # rows per block of the pairwise-distance matrix: bounded memory for any N


def gaussian_stats(features: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Mean and covariance (float64) of ``features`` ``[N, D]``."""
    values = np.asarray(features, dtype=np.float64)
    return values.mean(axis=0), np.cov(values, rowvar=False)


def _sqrt_psd(matrix: np.ndarray) -> np.ndarray:
    values, vectors = np.linalg.eigh((matrix + matrix.T) / 2)
    return (vectors * np.sqrt(np.clip(values, 0, None))) @ vectors.T


def frechet_distance(mean_a: np.ndarray, cov_a: np.ndarray, mean_b: np.ndarray, cov_b: np.ndarray) -> float:
    """``|m_a - m_b|^2 + tr(C_a) + tr(C_b) - 2 tr((C_a^1/2 C_b C_a^1/2)^1/2)``.

    The symmetric form needs only ``eigh`` of symmetric matrices, so it is
    stable without scipy's ``sqrtm``.

    Examples
    --------
    >>> m, c = np.zeros(2), np.eye(2)
    >>> frechet_distance(m, c, m + 1, c)
    2.0
    """
    root_a = _sqrt_psd(cov_a)
    cross = _sqrt_psd(root_a @ cov_b @ root_a)
    value = float(np.sum((mean_a - mean_b) ** 2) + np.trace(cov_a) + np.trace(cov_b) - 2 * np.trace(cross))
    return max(value, 0.0)


def frechet_distance_between(features_a: np.ndarray, features_b: np.ndarray) -> float:
    """Frechet distance between two feature sets ``[N, D]`` and ``[M, D]``."""
    return frechet_distance(*gaussian_stats(features_a), *gaussian_stats(features_b))


def _squared_distances(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    distances = a @ b.T  # in place from here: one [len(a), len(b)] block instead of four temporaries
    distances *= -2
    distances += (a * a).sum(1)[:, None]
    distances += (b * b).sum(1)[None, :]
    return np.maximum(distances, 0, out=distances)


def _kth_neighbour_radii(points: np.ndarray, k: int) -> np.ndarray:
    """Squared distance from each point to its k-th nearest other point."""
    radii = np.empty(len(points))
    for start in range(0, len(points), DISTANCE_CHUNK):
        block = _squared_distances(points[start:start + DISTANCE_CHUNK], points)
        radii[start:start + DISTANCE_CHUNK] = np.partition(block, k, axis=1)[:, k]  # index 0 is the point itself
    return radii


def _share_inside(queries: np.ndarray, manifold: np.ndarray, radii: np.ndarray) -> float:
    inside = 0
    for start in range(0, len(queries), DISTANCE_CHUNK):
        block = _squared_distances(queries[start:start + DISTANCE_CHUNK], manifold)
        inside += int(np.any(block <= radii[None, :], axis=1).sum())
    return inside / len(queries)


def manifold_radii(points: np.ndarray, k: int = DEFAULT_K) -> np.ndarray:
    """The k-NN manifold of ``points``: squared distance from each to its k-th nearest other point.

    Computing it is the expensive part of :func:`precision_recall` (all pairs
    of ``points``); compute the real set's once and pass it as ``real_radii``
    when several generated sets are scored against the same real set.

    Examples
    --------
    >>> manifold_radii(np.array([[0.0], [1.0], [3.0]]), k=1).tolist()
    [1.0, 1.0, 4.0]
    """
    points = np.asarray(points, dtype=np.float32)
    if len(points) <= k:
        raise ValueError(f"a k-NN manifold with k={k} needs more than {k} points")
    return _kth_neighbour_radii(points, k)


def precision_recall(
    real: np.ndarray, generated: np.ndarray, k: int = DEFAULT_K, real_radii: np.ndarray | None = None
) -> tuple[float, float]:
    """Improved precision and recall (Kynkaanniemi et al. 2019) of ``generated`` against ``real``.

    ``real_radii``, if given, must be ``manifold_radii(real, k)``; it saves the
    all-pairs pass over ``real``.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> p, r = precision_recall(rng.normal(size=(500, 4)), rng.normal(size=(500, 4)))
    >>> p > 0.8 and r > 0.8
    True
    """
    real = np.asarray(real, dtype=np.float32)
    generated = np.asarray(generated, dtype=np.float32)
    if min(len(real), len(generated)) <= k:
        raise ValueError(f"precision/recall with k={k} needs more than {k} samples in each set")
    if real_radii is None:
        real_radii = _kth_neighbour_radii(real, k)
    elif np.shape(real_radii) != (len(real),):
        raise ValueError(f"real_radii must have one radius per real sample ({len(real)}), got shape {np.shape(real_radii)}")
    precision = _share_inside(generated, real, np.asarray(real_radii))
    recall = _share_inside(real, generated, _kth_neighbour_radii(generated, k))
    return precision, recall
