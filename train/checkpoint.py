"""Checkpoints: plain dicts of tensors and numbers, written atomically, read with every field checked.

A checkpoint never pickles code, so it loads with ``torch.load(weights_only=True)``
(StyleGAN's pickles are the example not to follow). It is written to a temp
file beside its destination and renamed, so Ctrl-C or a kill leaves either the
previous good checkpoint or the new one, never half of one. Reading checks
every field a reader uses (architecture tag, counters, config, weight shapes),
so a damaged or hand-edited file is one line naming the file and the field,
never a traceback deep in torch. :func:`generator_from_checkpoint` is the one
way a checkpoint becomes a ``Generator`` (export and the benchmarks use it).
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch

from ganedge.runtime.base.files import atomic_write

from .config import TrainConfig
from .errors import TrainError
from .model import DISCRIMINATOR_ARCHITECTURES, GENERATOR_ARCHITECTURE, Generator, build_discriminator

CHECKPOINT_NAME = "checkpoint.pt"
BEST_CHECKPOINT_NAME = "best.pt"  # --keep-best: the measured epoch with the lowest selection FD
LEGACY_ARCHITECTURE = "report-mlp-gan/1"  # checkpoints of ganedge 0.1: the report's generator and discriminator
COUNTERS = ("epoch", "step_in_epoch", "global_step")


def save_checkpoint(path: Path, state: dict[str, Any]) -> None:
    """Write ``state`` to ``path`` atomically (temp file in the same folder, then rename).

    A failure (disk full, say) is one line naming the file; the previous
    checkpoint at ``path`` stays as it was.
    """
    def write(tmp_name: str) -> None:
        try:
            torch.save(state, tmp_name)
        except RuntimeError as error:  # torch reports a failed write as RuntimeError("... file write failed")
            raise OSError(_torch_reason(error)) from None

    atomic_write(path, write, "checkpoint")


def _torch_reason(error: BaseException) -> str:
    """The first line of a torch message, which may carry a C++ backtrace after it."""
    text = str(error).strip().splitlines()
    return text[0][:300] if text else type(error).__name__


def load_tagged_state(path: Path, architecture: str | tuple[str, ...], how_to_make: str) -> dict[str, Any]:
    """Load a plain-dict checkpoint with ``torch.load(weights_only=True)`` and check its architecture tag.

    Raises ``TrainError`` for a missing, corrupt or foreign file; ``how_to_make``
    names the command that writes such a file. A file that would need code
    to load (a pickle) is refused as not a ganedge checkpoint.
    """
    accepted = (architecture,) if isinstance(architecture, str) else architecture
    if not path.is_file():
        raise TrainError(f"no checkpoint at {path}; make one with `{how_to_make}`")
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as error:  # torch raises many types for corrupt files and for pickled code
        kind = "it holds pickled code, which ganedge never loads" if "weights_only" in str(error) else _torch_reason(error)
        raise TrainError(f"{path} is not a readable ganedge checkpoint ({kind})") from None
    if not isinstance(state, dict) or state.get("architecture") not in accepted:
        found = state.get("architecture") if isinstance(state, dict) else type(state).__name__
        raise TrainError(f"{path} is not a checkpoint of {accepted[0]!r} (its architecture is {found!r})")
    return state


def _field_error(path: Path, field: str, problem: str) -> TrainError:
    return TrainError(f"{path}: field {field!r} {problem}; the checkpoint is damaged, use another one (or retrain)")


def _checked_config(path: Path, state: dict[str, Any]) -> TrainConfig:
    values = state.get("config")
    if not isinstance(values, dict):
        raise _field_error(path, "config", "is missing or not a mapping")
    try:
        config = TrainConfig.from_dict(values)
        config.validate()
    except (TypeError, ValueError) as error:
        raise _field_error(path, "config", f"is malformed ({error})") from None
    except TrainError as error:
        raise _field_error(path, "config", f"holds a bad value ({error})") from None
    return config


def _check_counters(path: Path, state: dict[str, Any]) -> None:
    for name in COUNTERS:
        value = state.get(name)
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise _field_error(path, name, f"must be a whole number >= 0, found {value!r}")


def load_checkpoint(path: Path) -> dict[str, Any]:
    """Load a ganedge GAN checkpoint safely and check every field and weight against its architecture.

    Raises ``TrainError`` for a missing, corrupt, foreign or damaged file.

    Examples
    --------
    >>> state = load_checkpoint(Path("runs/latest/checkpoint.pt"))   # after gan-train
    >>> state["architecture"], state["config"]["latent_dim"]
    ('report-mlp-generator/1', 100)
    """
    return read_checkpoint(path).state


@dataclass(frozen=True)
class GanCheckpoint:
    """A checked checkpoint: its ``state`` dict, its config, and its generator built and loaded (eval mode)."""

    path: Path
    state: dict[str, Any]  # as torch.load returned it, every field checked
    config: TrainConfig  # the run's options, validated
    generator: Generator  # the weights to use: the moving average when the run kept one


def read_checkpoint(path: Path) -> GanCheckpoint:
    """:func:`load_checkpoint`, also keeping the config and the generator it built while checking.

    Examples
    --------
    >>> read_checkpoint(Path("runs/latest/checkpoint.pt")).generator.latent_dim
    100
    """
    state = load_tagged_state(path, (GENERATOR_ARCHITECTURE, LEGACY_ARCHITECTURE), "gan-train")
    config = _checked_config(path, state)
    _check_counters(path, state)
    discriminator_tag = DISCRIMINATOR_ARCHITECTURES[config.discriminator]
    if state.get("discriminator_architecture", DISCRIMINATOR_ARCHITECTURES["report"]) != discriminator_tag:
        raise _field_error(path, "discriminator_architecture", f"disagrees with its config ({config.discriminator!r})")
    modules: dict[str, torch.nn.Module] = {"generator": Generator(config.latent_dim),
                                           "discriminator": build_discriminator(config.discriminator)}
    if "generator_training" in state:  # runs with EMA keep the trained weights apart from the averaged ones
        modules["generator_training"] = Generator(config.latent_dim)
    for name, module in modules.items():
        try:
            module.load_state_dict(state[name])
        except (KeyError, RuntimeError, TypeError, AttributeError) as error:
            reason = "is missing" if isinstance(error, KeyError) else _torch_reason(error)
            raise TrainError(f"{path}: the {name} weights do not fit the report's architecture ({reason})") from None
        if not all(math.isfinite(float(t.abs().max())) for t in module.state_dict().values() if t.numel()):
            raise _field_error(path, name, "holds NaN or infinite weights")
    generator = modules["generator"]
    assert isinstance(generator, Generator)
    return GanCheckpoint(path, state, config, generator.eval())


def generator_from_checkpoint(path: Path) -> Generator:
    """The generator a checkpoint holds (the EMA weights when the run kept an average), in eval mode.

    The one function that turns a checkpoint into a ``Generator``: ``gan-export``
    and the benchmarks use it, so they run exactly the same weights.

    Examples
    --------
    >>> generator_from_checkpoint(Path("runs/latest/checkpoint.pt")).training
    False
    """
    return read_checkpoint(path).generator


def file_sha256(path: Path) -> str:
    """SHA-256 of a file, for provenance in config.json and the exported model."""
    digest = hashlib.sha256()
    with open(path, "rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
