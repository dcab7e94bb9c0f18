"""Walking along latent directions: the SeFa directions stored in a generator file, and random ones.

SeFa (Shen & Zhou, CVPR 2021) finds the directions that move the first layer
most; ``gan-export`` stores them in the file (:mod:`ganedge.runtime.base.sefa`)
and :func:`sefa_directions` reads them back from a model's metadata.

Directions count from 1, like latent numbers: direction 1 has the largest
eigenvalue. Walking is additive, as in SeFa: ``z + value * direction``, so
value 0 is the unmodified latent (unlike ``--perturb``, which overwrites one
number).
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

from ..base.contract import SEFA_KEY, GeneratorMetadata
from ..base.edit_values import check_values, format_value
from ..base.errors import GanRuntimeError
from ..base.sefa import SefaDirections, decode_sefa
from .latents import UNMODIFIED, LatentEdit


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


def direction_edits(sefa: SefaDirections, walks: Sequence[tuple[int, Sequence[float]]]) -> list[LatentEdit]:
    """The rows of ``--direction`` blocks: each the unmodified row, then one row per value (directions count from 1).

    Examples
    --------
    >>> sefa = SefaDirections(np.array([2.0, 1.0]), np.eye(2, dtype=np.float32))
    >>> [edit.label for edit in direction_edits(sefa, [(1, [-5, 0, 5])])]
    ['random z', 'dir 1 = -5', 'dir 1 = 0', 'dir 1 = 5']
    """
    edits = []
    for number, values in walks:
        vector = np.asarray(sefa.direction(number), dtype=np.float32)
        edits.append(UNMODIFIED)
        edits += [LatentEdit(direction_label(number, value), direction=vector, value=value) for value in check_values(values)]
    return edits


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
    z = np.asarray(latents, dtype=np.float32)
    edits = direction_edits(sefa, walks)
    return [edit.apply(z) for edit in edits], [edit.label for edit in edits]
