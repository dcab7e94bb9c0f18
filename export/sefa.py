"""Closed-form latent directions (SeFa: Shen & Zhou, "Closed-Form Factorization
of Latent Semantics in GANs", CVPR 2021), stored in the exported file.

A direction ``n`` moves the first layer's output by ``W1 n``; the unit
directions that move it most are the top eigenvectors of ``W1^T W1``. They are
computed here from the checkpoint's weights and written into the model's
metadata, because the runtime (onnxruntime) cannot read a model's weights.
"""

from __future__ import annotations

import base64
import json

import numpy as np


def sefa_directions(first_layer_weight: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Eigenvalues (descending) and unit eigenvectors (rows) of ``W1^T W1``.

    Examples
    --------
    >>> values, directions = sefa_directions(np.eye(3, 2))
    >>> directions.shape, np.allclose(np.linalg.norm(directions, axis=1), 1)
    ((2, 2), True)
    """
    weight = np.asarray(first_layer_weight, dtype=np.float64)  # [hidden, latent]
    values, vectors = np.linalg.eigh(weight.T @ weight)  # ascending
    order = np.argsort(values)[::-1]
    return values[order], vectors[:, order].T


def sefa_metadata(first_layer_weight: np.ndarray) -> str:
    """The JSON string stored under ``ganedge.sefa``."""
    values, directions = sefa_directions(first_layer_weight)
    payload = base64.b64encode(directions.astype("<f4").tobytes()).decode("ascii")
    return json.dumps({"eigenvalues": [float(v) for v in values], "directions": payload, "method": "SeFa (Shen & Zhou, CVPR 2021): eigenvectors of W1^T W1"})
