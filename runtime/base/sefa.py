"""Closed-form latent directions (SeFa: Shen & Zhou, "Closed-Form Factorization of
Latent Semantics in GANs", CVPR 2021): computed, stored in a model file, read back.

A unit direction ``d`` moves the generator's first layer output by ``W1 d``;
the directions that move it most are the top eigenvectors of ``W1^T W1``.
onnxruntime cannot show a model's weights, so ``gan-export`` factorizes the
first layer once (:func:`factorize_first_layer`) and stores the result in the
file (:func:`encode_sefa`, under ``ganedge.sefa``); the runtime decodes it
(:func:`decode_sefa`). Direction 1 has the largest eigenvalue.
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass

import numpy as np

from .contract import SEFA_KEY
from .errors import GanRuntimeError

UNIT_TOLERANCE = 1e-3  # float32 storage keeps |row| within ~1e-6 of 1; anything further is not a unit direction
METHOD = "SeFa (Shen & Zhou, CVPR 2021): eigenvectors of W1^T W1"


@dataclass(frozen=True)
class SefaDirections:
    """SeFa eigenvalues (descending) and unit directions (rows), direction K = row K - 1.

    Examples
    --------
    >>> sefa = SefaDirections(np.array([2.0, 1.0]), np.eye(2, dtype=np.float32))
    >>> sefa.count, sefa.direction(1).tolist()
    (2, [1.0, 0.0])
    """

    eigenvalues: np.ndarray  # float64 [k], descending
    vectors: np.ndarray  # [k, latent_dim], unit rows: float64 as factorized, float32 as stored in a file

    @property
    def count(self) -> int:
        """How many directions are stored (1..count are valid)."""
        return int(self.vectors.shape[0])

    def direction(self, number: int) -> np.ndarray:
        """Direction ``number`` (1 = largest eigenvalue) as float32 ``[latent_dim]``.

        Raises
        ------
        GanRuntimeError
            If ``number`` is not in ``1..count``.
        """
        if isinstance(number, bool) or not isinstance(number, (int, np.integer)) or not 1 <= number <= self.count:
            raise GanRuntimeError(
                f"direction {number!r} is out of range: this model stores SeFa directions 1 to {self.count} "
                "(1 = largest eigenvalue)"
            )
        return np.asarray(self.vectors[int(number) - 1])


def factorize_first_layer(first_layer_weight: np.ndarray) -> SefaDirections:
    """SeFa: eigenvalues (descending) and unit eigenvectors (rows) of ``W1^T W1``.

    ``first_layer_weight`` is torch's ``fc1.weight``, ``[hidden, latent]``.

    Examples
    --------
    >>> sefa = factorize_first_layer(np.diag([3.0, 1.0]))
    >>> sefa.eigenvalues.tolist(), sefa.vectors.shape
    ([9.0, 1.0], (2, 2))
    """
    weight = np.asarray(first_layer_weight, dtype=np.float64)
    values, vectors = np.linalg.eigh(weight.T @ weight)  # ascending
    order = np.argsort(values)[::-1]
    return SefaDirections(values[order], vectors[:, order].T)


def encode_sefa(sefa: SefaDirections) -> str:
    """The JSON string stored in the file: eigenvalues, and the directions as base64 little-endian float32.

    Examples
    --------
    >>> text = encode_sefa(factorize_first_layer(np.eye(3)))
    >>> decode_sefa(text, 3).count
    3
    """
    payload = base64.b64encode(np.asarray(sefa.vectors, dtype="<f4").tobytes()).decode("ascii")
    return json.dumps({"eigenvalues": [float(v) for v in sefa.eigenvalues], "directions": payload, "method": METHOD})


def decode_sefa(text: str, latent_dim: int) -> SefaDirections:
    """Parse the stored JSON and check the directions are unit rows ordered by eigenvalue.

    Examples
    --------
    >>> payload = base64.b64encode(np.eye(2, dtype="<f4").tobytes()).decode()
    >>> decode_sefa(json.dumps({"eigenvalues": [3.0, 1.0], "directions": payload}), 2).count
    2
    """
    try:
        entry = json.loads(text)
        eigenvalues = np.asarray(entry["eigenvalues"], dtype=np.float64)
        raw = base64.b64decode(entry["directions"], validate=True)
        vectors = np.frombuffer(raw, dtype="<f4").astype(np.float32)
    except (ValueError, KeyError, TypeError, binascii.Error) as error:
        raise GanRuntimeError(f"the model's SeFa directions ({SEFA_KEY}) are malformed ({error!r}); re-export it with gan-export") from None
    k = len(eigenvalues)
    if eigenvalues.ndim != 1 or k == 0 or vectors.size != k * latent_dim:
        raise GanRuntimeError(
            f"the model's SeFa directions ({SEFA_KEY}) do not fit its latent size {latent_dim}: "
            f"{k} eigenvalues, {vectors.size} numbers; re-export it with gan-export"
        )
    vectors = vectors.reshape(k, latent_dim)
    norms = np.linalg.norm(vectors.astype(np.float64), axis=1)
    if not np.all(np.abs(norms - 1) <= UNIT_TOLERANCE) or np.any(np.diff(eigenvalues) > 0):
        raise GanRuntimeError(f"the model's SeFa directions ({SEFA_KEY}) are not unit rows in descending eigenvalue order")
    return SefaDirections(eigenvalues, vectors)
