"""Checkpoints: plain dicts of tensors and numbers, written atomically.

A checkpoint never pickles code, so it loads with ``torch.load(weights_only=True)``
(StyleGAN's pickles are the example not to follow). It is written to a temp
file beside its destination and renamed, so Ctrl-C or a kill leaves either the
previous good checkpoint or the new one, never half of one.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import torch

from ganedge.runtime.atomic import atomic_write

from .errors import TrainError
from .model import Generator, build_discriminator

CHECKPOINT_NAME = "checkpoint.pt"
BEST_CHECKPOINT_NAME = "best.pt"  # --keep-best: the measured epoch with the lowest selection FD
ARCHITECTURE = "report-mlp-gan/1"  # the report's GAN: Generator/Discriminator of train/model.py


def save_checkpoint(path: Path, state: dict[str, Any]) -> None:
    """Write ``state`` to ``path`` atomically (temp file in the same folder, then rename)."""
    atomic_write(path, lambda tmp_name: torch.save(state, tmp_name))


def load_tagged_state(path: Path, architecture: str, how_to_make: str) -> dict[str, Any]:
    """Load a plain-dict checkpoint with ``torch.load(weights_only=True)`` and check its architecture tag.

    Raises ``TrainError`` for a missing, corrupt or foreign file; ``how_to_make``
    names the command that writes such a file.
    """
    if not path.is_file():
        raise TrainError(f"no checkpoint at {path}; make one with `{how_to_make}`")
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as error:  # torch raises many types for corrupt files
        raise TrainError(f"{path} is not a readable ganedge checkpoint ({type(error).__name__}: {error})") from None
    if not isinstance(state, dict) or state.get("architecture") != architecture:
        found = state.get("architecture") if isinstance(state, dict) else type(state).__name__
        raise TrainError(f"{path} is not a checkpoint of {architecture!r} (its architecture is {found!r})")
    return state


def load_checkpoint(path: Path) -> dict[str, Any]:
    """Load a ganedge GAN checkpoint safely and check it holds the report's architecture.

    Raises ``TrainError`` for a missing, corrupt or foreign file.

    Examples
    --------
    >>> state = load_checkpoint(Path("runs/latest/checkpoint.pt"))   # doctest: +SKIP
    >>> sorted(state)[:3]
    ['architecture', 'config', 'data_md5']
    """
    state = load_tagged_state(path, ARCHITECTURE, "gan-train")
    latent_dim = int(state["config"]["latent_dim"])
    modules = {"generator": Generator(latent_dim),
               "discriminator": build_discriminator(state["config"].get("discriminator", "report"))}
    if "generator_training" in state:  # runs with EMA keep the trained weights apart from the averaged ones
        modules["generator_training"] = Generator(latent_dim)
    for name, module in modules.items():
        try:
            module.load_state_dict(state[name])
        except (KeyError, RuntimeError) as error:
            raise TrainError(f"{path}: the {name} weights do not fit the report's architecture ({error})") from None
    return state


def file_sha256(path: Path) -> str:
    """SHA-256 of a file, for provenance in config.json and the exported model."""
    digest = hashlib.sha256()
    with open(path, "rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
