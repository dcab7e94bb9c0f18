"""The GAN training step, the epoch, and the loop over epochs, lean enough to be limited by arithmetic.

One step: the generator makes a batch of fakes; the discriminator sees real and
fake in one concatenated forward pass and takes an Adam step on the
non-saturating loss; then the generator takes its step against the updated
discriminator, and (``ema`` > 0) a moving average of the generator's weights
follows it. The average is what a run samples, measures and exports: once
the losses level off, the trained weights keep circling around a good point
and their average sits nearer to it. Optimizers are Adam with ``fused=True``
(one kernel for all parameters, faster than the per-parameter loop), stepped
through :class:`AdamUpdate` (the same kernel without torch.optim's per-call
Python; see docs/decisions.md).

Reproducibility: all randomness of an epoch (data order and latents) is drawn
at its start from one ``torch.Generator`` whose state is kept in the
checkpoint, so a resumed run replays the exact same batches, mid-epoch too.
"""

from __future__ import annotations

import copy
import math
import time
from dataclasses import dataclass
from typing import Any, Callable

import numpy as np
import torch
import torch.nn.functional as F

from ganedge.runtime.base.pixels import pixels_to_values

from .adam_update import AdamUpdate
from .config import TrainConfig
from .model import DISCRIMINATOR_ARCHITECTURES, GENERATOR_ARCHITECTURE, IMAGE_PIXELS, Generator, build_discriminator

StepCallback = Callable[[int, torch.Tensor, torch.Tensor], None]


@dataclass
class StepLosses:
    """Per-step losses of one epoch (filled in place, read at epoch end)."""

    discriminator: torch.Tensor
    generator: torch.Tensor


@dataclass(frozen=True)
class EpochResult:
    """What one pass of :meth:`GanTrainer.run_epoch` did: which epoch, its steps' losses, how long it took."""

    epoch: int  # 1-based number of the epoch that ran
    first_step: int  # global step before it
    losses: StepLosses
    seconds: float
    complete: bool  # the epoch ran to its end (False when --max-steps cut it)


def images_to_training_tensor(images: np.ndarray, device: torch.device) -> torch.Tensor:
    """uint8 ``[N, 28, 28]`` -> float32 ``[N, 784]`` in [-1, 1] on ``device``, the runtime's pixel mapping.

    Examples
    --------
    >>> images_to_training_tensor(np.array([[[0, 255]]], np.uint8), torch.device("cpu")).tolist()
    [[-1.0, 1.0]]
    """
    values = pixels_to_values(np.asarray(images).reshape(len(images), -1))
    return torch.from_numpy(values).to(device)


class GanTrainer:
    """Holds the two networks, their optimizers and the data-order RNG.

    Examples
    --------
    >>> trainer = GanTrainer(TrainConfig(max_steps=10), torch.rand(640, 784) * 2 - 1, torch.device("cpu"))
    >>> len(trainer.run_epoch().generator), trainer.global_step
    (10, 10)
    """

    def __init__(self, config: TrainConfig, data: torch.Tensor, device: torch.device) -> None:
        self.config = config
        self.data = data
        self.device = device
        torch.manual_seed(config.seed)
        self.generator = Generator(config.latent_dim).to(device)
        self.discriminator = build_discriminator(config.discriminator).to(device)
        adam = dict(lr=config.lr, betas=config.betas, fused=True)
        self.optimizer_g = torch.optim.Adam(self.generator.parameters(), **adam)
        self.optimizer_d = torch.optim.Adam(self.discriminator.parameters(), **adam)
        self._update_g, self._update_d = AdamUpdate(self.optimizer_g), AdamUpdate(self.optimizer_d)
        self.generator_ema: Generator | None = None
        self._ema_averages: list[torch.Tensor] = []  # with _ema_trained: (average, trained) pairs, built once
        self._ema_trained: list[torch.Tensor] = []
        if config.ema > 0:
            self.generator_ema = copy.deepcopy(self.generator).requires_grad_(False)
            self._ema_averages = list(self.generator_ema.parameters())
            self._ema_trained = list(self.generator.parameters())
        self._discriminator_parameters = list(self.discriminator.parameters())
        self.data_rng = torch.Generator().manual_seed(config.seed + 1)
        self.epoch = 0  # completed epochs
        self.step_in_epoch = 0  # completed steps of the current epoch
        self.global_step = 0
        self.epoch_rng_state = self.data_rng.get_state()

    @property
    def steps_per_epoch(self) -> int:
        return math.ceil(len(self.data) / self.config.batch_size)

    def step(self, real: torch.Tensor, z: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """One discriminator step then one generator step; returns both BCE losses (detached, without R1)."""
        n = real.shape[0]
        fake = self.generator(z).reshape(n, IMAGE_PIXELS)
        regularise = self.config.r1_gamma > 0 and self.global_step % self.config.r1_every == 0
        if regularise:
            real = real.detach().requires_grad_(True)
        logits = self.discriminator(torch.cat([real, fake.detach()]))
        # softplus(-l) and softplus(l) are BCE-with-logits against targets 1 and 0.
        loss_d = F.softplus(-logits[:n]).mean() + F.softplus(logits[n:]).mean()
        penalty = self.r1_penalty(logits[:n], real) if regularise else 0.0
        self._update_d.zero_grad()
        (loss_d + penalty).backward()
        self._update_d.step()

        # The generator's step needs gradients through D, not for D's weights: skip those matmuls.
        self._discriminator_weights_require_grad(False)
        loss_g = F.softplus(-self.discriminator(fake)).mean()
        self._update_g.zero_grad()
        loss_g.backward()
        self._discriminator_weights_require_grad(True)
        self._update_g.step()
        if self.generator_ema is not None:
            self._update_ema()
        return loss_d.detach(), loss_g.detach()

    @torch.no_grad()
    def _update_ema(self) -> None:
        """average <- beta * average + (1 - beta) * weights, for each generator tensor.

        beta ramps up to ``ema`` as ``(1 + t) / (10 + t)`` (TensorFlow's
        ExponentialMovingAverage with num_updates), so a short run's average is
        not mostly the random initial weights.
        """
        beta = min(self.config.ema, (1 + self.global_step) / (10 + self.global_step))
        torch._foreach_lerp_(self._ema_averages, self._ema_trained, 1.0 - beta)  # one op, same numbers as lerp_ each

    @property
    def inference_generator(self) -> Generator:
        """The generator a run samples, measures and exports: the moving average when ``ema`` > 0."""
        return self.generator_ema if self.generator_ema is not None else self.generator

    def _discriminator_weights_require_grad(self, flag: bool) -> None:
        for parameter in self._discriminator_parameters:
            parameter.requires_grad_(flag)

    def r1_penalty(self, real_logits: torch.Tensor, real: torch.Tensor) -> torch.Tensor:
        """R1 (Mescheder et al. 2018): penalise the discriminator's gradient on real images.

        ``gamma / 2 * E ||d D(x) / dx||^2``, times ``r1_every`` when applied lazily
        (StyleGAN2), so the average strength does not depend on the interval.
        """
        (gradient,) = torch.autograd.grad(real_logits.sum(), real, create_graph=True)
        return 0.5 * self.config.r1_gamma * self.config.r1_every * gradient.pow(2).sum(dim=1).mean()

    def run_epoch(self, on_step: StepCallback | None = None) -> StepLosses:
        """Train until the epoch ends or ``max_steps`` is reached; resumes mid-epoch if needed."""
        batch = self.config.batch_size
        if self.step_in_epoch == 0:
            self.epoch_rng_state = self.data_rng.get_state()
        else:  # resuming: replay this epoch's draws, then skip the done steps
            self.data_rng.set_state(self.epoch_rng_state)
        order = torch.randperm(len(self.data), generator=self.data_rng).to(self.device)
        latents = torch.randn(len(self.data), self.config.latent_dim, generator=self.data_rng).to(self.device)
        remaining = self.steps_per_epoch - self.step_in_epoch
        if self.config.max_steps is not None:
            remaining = min(remaining, self.config.max_steps - self.global_step)
        losses = StepLosses(torch.zeros(remaining), torch.zeros(remaining))
        for i in range(remaining):
            start = self.step_in_epoch * batch
            # Gathered per batch: copying the whole shuffled split (188 MB) every epoch costs more.
            loss_d, loss_g = self.step(self.data[order[start:start + batch]], latents[start:start + batch])
            losses.discriminator[i] = loss_d
            losses.generator[i] = loss_g
            self.step_in_epoch += 1
            self.global_step += 1
            if on_step is not None:
                on_step(i, loss_d, loss_g)
        if self.step_in_epoch == self.steps_per_epoch:
            self.epoch += 1
            self.step_in_epoch = 0
        return losses

    def train(self, after_epoch: Callable[[EpochResult], None], progress: bool | None = None) -> None:
        """Run epochs until :attr:`finished`, calling ``after_epoch`` after each (outputs, checkpoints, logs).

        ``progress``: a tqdm bar per epoch (``None``: only when stderr is a terminal).
        """
        while not self.finished:
            epoch_number, first_step = self.epoch + 1, self.global_step
            bar = self._progress_bar(epoch_number, progress)
            started = time.perf_counter()
            try:
                losses = self.run_epoch(on_step=None if bar is None else bar[1])
            finally:
                if bar is not None:
                    bar[0].close()
            after_epoch(EpochResult(epoch_number, first_step, losses, time.perf_counter() - started,
                                    complete=self.step_in_epoch == 0))

    def _progress_bar(self, epoch_number: int, enabled: bool | None) -> tuple[Any, StepCallback] | None:
        if enabled is False:
            return None
        from tqdm import tqdm

        total = self.steps_per_epoch - self.step_in_epoch
        if self.config.max_steps is not None:
            total = min(total, self.config.max_steps - self.global_step)
        bar = tqdm(total=total, desc=f"epoch {epoch_number}/{self.config.epochs}", unit="step",
                   disable=None if enabled is None else not enabled, mininterval=0.5, leave=False)

        def update(i: int, loss_d: torch.Tensor, loss_g: torch.Tensor) -> None:
            bar.update(1)
            if i % 100 == 0:
                bar.set_postfix_str(f"D {float(loss_d):.3f} G {float(loss_g):.3f}", refresh=False)

        return bar, update

    @property
    def finished(self) -> bool:
        if self.config.max_steps is not None and self.global_step >= self.config.max_steps:
            return True
        return self.epoch >= self.config.epochs

    def state_dict(self) -> dict[str, Any]:
        """Everything needed to continue bit for bit: weights, optimizers, counters, RNG states.

        ``generator`` holds the weights to use (the average when ``ema`` > 0),
        so export and every other reader need not know about EMA; the weights
        the optimizer trains are then kept as ``generator_training``.
        """
        state = {
            "architecture": GENERATOR_ARCHITECTURE,
            "discriminator_architecture": DISCRIMINATOR_ARCHITECTURES[self.config.discriminator],
            "generator": self.inference_generator.state_dict(),
            "discriminator": self.discriminator.state_dict(),
            "optimizer_g": self.optimizer_g.state_dict(),
            "optimizer_d": self.optimizer_d.state_dict(),
            "config": self.config.to_dict(),
            "epoch": self.epoch,
            "step_in_epoch": self.step_in_epoch,
            "global_step": self.global_step,
            "data_rng_state": self.data_rng.get_state(),
            "epoch_rng_state": self.epoch_rng_state,
        }
        if self.generator_ema is not None:
            state["generator_training"] = self.generator.state_dict()
        return state

    def load_state_dict(self, state: dict[str, Any]) -> None:
        if self.generator_ema is not None:
            self.generator.load_state_dict(state["generator_training"])
            self.generator_ema.load_state_dict(state["generator"])
        else:
            self.generator.load_state_dict(state["generator"])
        self.discriminator.load_state_dict(state["discriminator"])
        self.optimizer_g.load_state_dict(state["optimizer_g"])
        self.optimizer_d.load_state_dict(state["optimizer_d"])
        self._update_g.forget()
        self._update_d.forget()
        self.epoch = int(state["epoch"])
        self.step_in_epoch = int(state["step_in_epoch"])
        self.global_step = int(state["global_step"])
        self.data_rng.set_state(state["data_rng_state"])
        self.epoch_rng_state = state["epoch_rng_state"]

    @torch.inference_mode()
    def sample(self, latents: torch.Tensor) -> torch.Tensor:
        """Output of :attr:`inference_generator` for fixed latents, float ``[n, 1, 28, 28]`` on the CPU."""
        generator = self.inference_generator
        generator.eval()
        try:
            return generator(latents.to(self.device)).cpu()
        finally:
            generator.train()
