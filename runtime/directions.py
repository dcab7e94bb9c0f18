"""Closed-form latent directions (SeFa: Shen & Zhou, "Closed-Form Factorization
of Latent Semantics in GANs", CVPR 2021), read from a generator file.

A unit direction ``d`` moves the generator's first layer output by ``W1 d``;
the directions that move it most are the top eigenvectors of ``W1^T W1``.
onnxruntime cannot read a model's weights, so ``gan-export`` computes them
from the checkpoint and stores them in the file's metadata (``ganedge.sefa``);
this module decodes them and walks along them.

Directions count from 1, like latent numbers: direction 1 has the largest
eigenvalue. Walking is additive, as in SeFa: ``z + value * direction``, so
value 0 is the unmodified latent (unlike ``--perturb``, which overwrites one
number).
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from typing import Sequence

import numpy as np

from .errors import GanRuntimeError
from .latent import UNMODIFIED_LABEL, check_values, format_value
from .metadata import SEFA_KEY, GeneratorMetadata

UNIT_TOLERANCE = 1e-3  # float32 storage keeps |row| within ~1e-6 of 1; anything further is not a unit direction


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
    vectors: np.ndarray  # float32 [k, latent_dim], unit rows

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


def decode_sefa(text: str, latent_dim: int) -> SefaDirections:
    """Parse the ``ganedge.sefa`` JSON and check the directions are unit rows ordered by eigenvalue.

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


def sefa_directions(metadata: GeneratorMetadata) -> SefaDirections:
    """The SeFa directions stored in a generator file (``model.metadata``).

    Raises
    ------
    GanRuntimeError
        When the file has none (exported before ganedge stored them) or they are malformed.

    Examples
    --------
    >>> from ganedge.runtime import load_generator
    >>> sefa = sefa_directions(load_generator(device="cpu").metadata)
    >>> sefa.vectors.shape
    (100, 100)
    """
    text = metadata.raw.get(SEFA_KEY)
    if text is None:
        raise GanRuntimeError(
            f"this model has no SeFa directions ({SEFA_KEY}): it was exported before ganedge stored them; "
            "re-export it with gan-export"
        )
    return decode_sefa(text, metadata.latent_dim)


def walk_direction(latents: np.ndarray, direction: np.ndarray, values: Sequence[float]) -> list[np.ndarray]:
    """``latents + value * direction`` for each value (SeFa's additive walk); ``latents`` is unchanged.

    Examples
    --------
    >>> z = np.zeros((8, 3), np.float32)
    >>> [row[0].tolist() for row in walk_direction(z, np.array([0.0, 1.0, 0.0]), [-5, 5])]
    [[0.0, -5.0, 0.0], [0.0, 5.0, 0.0]]
    """
    z = np.asarray(latents, dtype=np.float32)
    d = np.asarray(direction, dtype=np.float32)
    if z.ndim != 2 or d.shape != (z.shape[1],):
        raise GanRuntimeError(f"a direction must have the latent size: latents {list(z.shape)}, direction {list(d.shape)}")
    return [z + np.float32(value) * d for value in check_values(values)]


def direction_label(number: int, value: float) -> str:
    """The row label of SeFa direction ``number`` (1-based) walked by ``value``.

    Examples
    --------
    >>> direction_label(1, -5.0)
    'dir 1 = -5'
    """
    return f"dir {number} = {format_value(value)}"


def random_directions(count: int, latent_dim: int, seed: int = 0) -> np.ndarray:
    """``count`` random unit directions (isotropic), float32 ``[count, latent_dim]``: SeFa's baseline.

    Examples
    --------
    >>> bool(np.allclose(np.linalg.norm(random_directions(5, 100), axis=1), 1))
    True
    """
    vectors = np.random.default_rng(seed).standard_normal((count, latent_dim))
    return (vectors / np.linalg.norm(vectors, axis=1, keepdims=True)).astype(np.float32)


def direction_rows(latents: np.ndarray, sefa: SefaDirections,
                   walks: Sequence[tuple[int, Sequence[float]]]) -> tuple[list[np.ndarray], list[str]]:
    """The latent rows and labels of ``--direction`` blocks: each the unmodified row, then one row per value.

    Examples
    --------
    >>> sefa = SefaDirections(np.array([2.0, 1.0]), np.eye(2, dtype=np.float32))
    >>> rows, labels = direction_rows(np.zeros((8, 2), np.float32), sefa, [(1, [-5, 0, 5])])
    >>> labels
    ['random z', 'dir 1 = -5', 'dir 1 = 0', 'dir 1 = 5']
    """
    rows: list[np.ndarray] = []
    labels: list[str] = []
    for number, values in walks:
        rows.append(np.asarray(latents, dtype=np.float32))
        labels.append(UNMODIFIED_LABEL)
        rows.extend(walk_direction(latents, sefa.direction(number), values))
        labels.extend(direction_label(number, value) for value in check_values(values))
    return rows, labels
