"""Every training hyperparameter, with its default, in one place.

The report gives no training details; these defaults start from the DCGAN
paper's (Adam, lr 2e-4, betas (0.5, 0.999), batch 64) with the non-saturating
loss, plus a lazy R1 penalty on real data (the plain recipe collapses onto
tops and shirts), a higher learning rate and a smaller batch (both measured
better), and a moving average of the generator (it keeps improving where the
trained weights stall). The report's plain recipe is ``--r1-gamma 0 --lr 2e-4
--batch-size 64 --ema 0``. The conv discriminator has its own default
learning rate, four times higher: with it the same generator learns about
three times as fast (screened on 10-epoch runs). Every figure behind these
choices is in docs/decisions.md, every run in the model card.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, fields
from typing import Any

from ganedge.runtime.base.contract import MAX_LATENT_DIM  # the bound a model file may claim, so any run can be exported

from .errors import TrainError

LATENT_DIM = 100  # the report's: 100 latent numbers
MAX_SEED = 2**31 - 1  # torch, numpy and every framework accept it; the data order uses seed + 1
DEFAULT_EPOCHS = 30
DEFAULT_BATCH_SIZE = 32  # see the module docstring; the DCGAN paper's 64 gives fewer steps per epoch
DEFAULT_LR = 5e-4  # with the report's discriminator; see the module docstring; the DCGAN paper's 2e-4 trains slower
# Each discriminator's own default learning rate (both networks): the conv one was screened at
# 5e-4 / 1e-3 / 2e-3 (classifier-FD at 10 epochs 157 / 107 / 98, seed 0; model card).
DEFAULT_LRS = {"report": DEFAULT_LR, "conv": 2e-3}
DEFAULT_BETAS = (0.5, 0.999)
DEFAULT_SEED = 0
# R1 gradient penalty on real data (Mescheder et al. 2018): gamma/2 * E||grad_x D(x)||^2.
# 0 switches it off (with lr 2e-4: the report's plain recipe).
DEFAULT_R1_GAMMA = 5.0
DEFAULT_R1_EVERY = 4  # lazy regularisation: apply every k steps, scaled by k (StyleGAN2)
# Exponential moving average of the generator's weights, the weights a run samples, measures and
# exports; 0 switches it off. 0.999 averages over about 1,000 steps (half an epoch at batch 32).
DEFAULT_EMA = 0.999
# What trains the generator: the report's MLP discriminator, or a small CNN (train/model.py).
DISCRIMINATORS = ("report", "conv")
DEFAULT_DISCRIMINATOR = "report"
SAMPLE_COUNT = 8  # the report's figure: 8 images from 8 fixed latents
TRAIN_SET_SIZE = 60_000


@dataclass(frozen=True)
class TrainConfig:
    """What a run was asked to do. Saved in ``config.json`` and in the checkpoint."""

    epochs: int = DEFAULT_EPOCHS
    batch_size: int = DEFAULT_BATCH_SIZE
    lr: float | None = None  # None: the discriminator's own default, DEFAULT_LRS (set when the config is made)
    betas: tuple[float, float] = DEFAULT_BETAS
    latent_dim: int = LATENT_DIM
    seed: int = DEFAULT_SEED
    max_steps: int | None = None
    r1_gamma: float = DEFAULT_R1_GAMMA
    r1_every: int = DEFAULT_R1_EVERY
    ema: float = DEFAULT_EMA
    discriminator: str = DEFAULT_DISCRIMINATOR

    def __post_init__(self) -> None:
        if self.lr is None:
            object.__setattr__(self, "lr", DEFAULT_LRS.get(self.discriminator, DEFAULT_LR))

    def validate(self, dataset_size: int = TRAIN_SET_SIZE) -> None:
        """Raise ``TrainError`` for nonsense values, naming the option to fix."""
        if self.epochs <= 0:
            raise TrainError(f"--epochs must be positive, got {self.epochs}")
        if self.batch_size <= 0 or self.batch_size > dataset_size:
            raise TrainError(f"--batch-size must be between 1 and the dataset size {dataset_size}, got {self.batch_size}")
        if self.lr is None or not (math.isfinite(self.lr) and self.lr > 0):
            raise TrainError(f"--lr must be positive and finite, got {self.lr}")
        if len(self.betas) != 2 or not all(0.0 <= beta < 1.0 for beta in self.betas):
            raise TrainError(f"--betas must both be in [0, 1), got {self.betas}")
        if not 0 < self.latent_dim <= MAX_LATENT_DIM:
            raise TrainError(f"--latent-dim must be 1..{MAX_LATENT_DIM}, got {self.latent_dim}")
        if self.max_steps is not None and self.max_steps <= 0:
            raise TrainError(f"--max-steps must be positive, got {self.max_steps}")
        if not (math.isfinite(self.r1_gamma) and self.r1_gamma >= 0):
            raise TrainError(f"--r1-gamma must be zero (off) or positive, and finite, got {self.r1_gamma}")
        if self.r1_every <= 0:
            raise TrainError(f"--r1-every must be positive, got {self.r1_every}")
        if not 0.0 <= self.ema < 1.0:
            raise TrainError(f"--ema must be in [0, 1) (0 = off), got {self.ema}")
        if self.discriminator not in DISCRIMINATORS:
            raise TrainError(f"--discriminator must be report or conv, got {self.discriminator!r}")
        if not 0 <= self.seed <= MAX_SEED:
            raise TrainError(f"--seed must be 0..{MAX_SEED}, got {self.seed}")

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, values: dict[str, Any]) -> "TrainConfig":
        known = {f.name for f in fields(cls)}
        kwargs = {k: v for k, v in values.items() if k in known}
        kwargs.setdefault("ema", 0.0)  # runs saved before ganedge had EMA trained without it
        if "betas" in kwargs:
            kwargs["betas"] = tuple(kwargs["betas"])
        return cls(**kwargs)
