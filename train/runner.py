"""One training run from start (or resume) to finish: the API behind ``gan-train``.

:func:`train_run` sets the run up (config, data, run folder, record) and hands
the trainer's loop (:meth:`~ganedge.train.loop.GanTrainer.train`) a
:class:`RunRecorder`, which writes everything after every epoch: checkpoint,
loss history, sample grids, quality probe, ``best.pt`` and the loss plot, all
atomically, so whatever stops the run leaves the last good epoch on disk.
``runs/latest`` points at a run only once it has a checkpoint, and a new run
that stops before its first checkpoint is removed, so the same command
simply runs again.
"""

from __future__ import annotations

import math
import platform
import sys
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable, TextIO

import numpy as np
import torch

from ganedge.runtime.base.pixels import to_uint8
from ganedge.runtime.base.version import ganedge_version

from . import run_folder
from .checkpoint import BEST_CHECKPOINT_NAME, CHECKPOINT_NAME, read_checkpoint, save_checkpoint
from .config import SAMPLE_COUNT, TrainConfig
from .data import load_split
from .errors import TrainError
from .loop import EpochResult, GanTrainer, images_to_training_tensor
from .plots import plot_losses, save_progress_grid, save_sample_grid
from .quality import QualityProbe
from .run_folder import QualityPoint


def resolve_device(name: str) -> torch.device:
    """``auto`` -> CUDA when torch can use it, else CPU; ``cuda`` without CUDA is an error, never a silent CPU run."""
    if name == "cpu":
        return torch.device("cpu")
    if torch.cuda.is_available():
        return torch.device("cuda")
    if name == "cuda":
        raise TrainError("--device cuda, but torch sees no CUDA device (torch.cuda.is_available() is False); use --device cpu")
    return torch.device("cpu")


def fixed_latents(config: TrainConfig) -> torch.Tensor:
    """The 8 latents every sample grid of a run uses, derived from its seed."""
    return torch.randn(SAMPLE_COUNT, config.latent_dim, generator=torch.Generator().manual_seed(config.seed))


@dataclass
class RunResult:
    run_dir: Path
    epochs_done: int
    global_step: int
    interrupted: bool
    last_losses: tuple[float, float]


@dataclass
class RunRecorder:
    """Writes a run's outputs after every epoch; holds the histories the outputs are drawn from."""

    trainer: GanTrainer
    run_dir: Path
    data_md5: dict[str, str]
    probe: QualityProbe | None
    eval_every: int
    keep_best: bool
    log: TextIO
    history: list[run_folder.LossRow] = field(default_factory=list)
    quality: list[QualityPoint] = field(default_factory=list)
    progress_rows: list[np.ndarray] = field(default_factory=list)
    best_epoch: int | None = None
    best_selection: float = math.inf
    on_epoch: Callable[[int], None] | None = None

    def __post_init__(self) -> None:
        self.sample_latents = fixed_latents(self.trainer.config)

    def resume(self, state: dict[str, Any]) -> None:
        """Take the histories of a resumed run up to its checkpoint, and what ``best.pt`` holds."""
        step = self.trainer.global_step
        self.history = run_folder.read_losses(self.run_dir, step)
        self.quality = run_folder.read_quality(self.run_dir, step)
        self.progress_rows = list(state.get("progress_images", torch.zeros(0)).numpy())
        if (self.run_dir / BEST_CHECKPOINT_NAME).is_file():  # epochs measured without --keep-best were never kept
            kept = min(self.quality, key=lambda p: p.selection_distance, default=None)
            if kept is not None:
                self.best_epoch, self.best_selection = kept.epoch, kept.selection_distance

    @property
    def last_losses(self) -> tuple[float, float]:
        return (self.history[-1][2], self.history[-1][3]) if self.history else (math.nan, math.nan)

    def __call__(self, result: EpochResult) -> None:
        trainer = self.trainer
        self.history.extend(
            (result.first_step + i + 1, result.epoch, float(d), float(g))
            for i, (d, g) in enumerate(zip(result.losses.discriminator.tolist(), result.losses.generator.tolist())))
        images = trainer.sample(self.sample_latents).numpy()
        label = f"epoch {result.epoch}" if result.complete else f"step {trainer.global_step}"
        if result.complete:
            self.progress_rows.append(to_uint8(images))
            save_sample_grid(images, self.run_dir / "samples" / f"epoch_{result.epoch:03d}.png", label)
        checkpoint = trainer.state_dict()
        checkpoint["progress_images"] = (torch.from_numpy(np.stack(self.progress_rows)) if self.progress_rows
                                         else torch.zeros(0, dtype=torch.uint8))
        checkpoint["data_md5"] = self.data_md5
        run_folder.write_losses(self.run_dir, self.history)
        save_checkpoint(self.run_dir / CHECKPOINT_NAME, checkpoint)
        run_folder.point_latest(self.run_dir)
        save_sample_grid(images, self.run_dir / "samples.png", label)
        if self.progress_rows:
            save_progress_grid(self.progress_rows, [f"epoch {i + 1}" for i in range(len(self.progress_rows))],
                               self.run_dir / "progress.png")
        note = self._measure(result, checkpoint)
        plot_losses(self.history, self.run_dir / "losses.png", self.quality,
                    best_epoch=self.best_epoch if self.keep_best else None)
        steps = len(result.losses.discriminator)
        loss_d, loss_g = self.last_losses
        print(f"epoch {result.epoch}/{trainer.config.epochs}: {steps} steps in {result.seconds:.2f} s "
              f"({result.seconds / max(steps, 1) * 1e3:.2f} ms/step) | loss D {loss_d:.3f} G {loss_g:.3f}{note} "
              "| checkpoint saved", file=self.log, flush=True)
        if self.on_epoch is not None:
            self.on_epoch(result.epoch)

    def _measure(self, result: EpochResult, checkpoint: dict[str, Any]) -> str:
        """The quality probe every ``eval_every`` epochs (and at the end), and ``best.pt``; returns the log note."""
        if self.probe is None or not result.complete or not (result.epoch % self.eval_every == 0 or self.trainer.finished):
            return ""
        point = self.probe.measure(self.trainer.inference_generator, result.epoch, self.trainer.global_step)
        self.quality.append(point)
        run_folder.write_quality(self.run_dir, self.quality)
        note = f" | classifier-FD {point.frechet_distance:.1f}, {point.classes_present}/10 classes >= 2%"
        if self.keep_best and not point.selection_distance >= self.best_selection:
            save_checkpoint(self.run_dir / BEST_CHECKPOINT_NAME, checkpoint)
            self.best_epoch, self.best_selection = result.epoch, point.selection_distance
            note += f" | best so far -> {BEST_CHECKPOINT_NAME}"
        return note


def _run_record(config: TrainConfig, torch_device: torch.device, source: Path, checksums: dict[str, str],
                eval_every: int, keep_best: bool) -> dict[str, Any]:
    return {
        "options": config.to_dict(), "eval_every": eval_every, "keep_best": keep_best, "device": str(torch_device),
        "data": {"source": str(source), "md5": checksums},
        "versions": {"ganedge": ganedge_version(), "torch": torch.__version__, "numpy": np.__version__,
                     "python": platform.python_version()},
        "started_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
    }


def train_run(
    config: TrainConfig,
    run_dir: Path,
    *,
    device: str = "auto",
    data_dir: Path | None = None,
    download: bool = False,
    resume: bool = False,
    overwrite: bool = False,
    progress: bool | None = None,
    log: TextIO | None = None,
    on_epoch: Callable[[int], None] | None = None,
    eval_every: int = 0,
    keep_best: bool = False,
) -> RunResult:
    """Train (or resume) one run into ``run_dir``; see the module docstring.

    On ``resume`` the run keeps its saved settings except ``epochs`` (the new
    total; 0 keeps the saved one) and ``max_steps``. ``eval_every`` K > 0
    measures classifier-FD after every K-th epoch (:mod:`ganedge.train.quality`);
    ``keep_best`` then also keeps the measured epoch with the lowest FD against
    training images as ``best.pt`` (checkpoint selection that leaves the test
    split held out).

    Examples
    --------
    >>> import io, tempfile
    >>> result = train_run(TrainConfig(epochs=1, max_steps=20), Path(tempfile.mkdtemp()) / "smoke",
    ...                    device="cpu", progress=False, log=io.StringIO())
    >>> result.global_step
    20
    """
    log = sys.stdout if log is None else log  # resolved per call, so a redirected stdout is honoured
    torch_device = resolve_device(device)
    state: dict[str, Any] | None = None
    if resume:
        state = read_checkpoint(run_dir / CHECKPOINT_NAME).state
        saved = TrainConfig.from_dict(state["config"])
        config = replace(saved, epochs=config.epochs or saved.epochs, max_steps=config.max_steps)
    config.validate()
    if eval_every < 0:
        raise TrainError(f"--eval-every must be 0 (off) or a positive number of epochs, got {eval_every}")
    if keep_best and not eval_every:
        raise TrainError("--keep-best picks among measured epochs: add --eval-every K (K=1 measures every epoch)")
    split = load_split("train", data_dir, download)
    created = False if state is not None else run_folder.prepare_new_run(run_dir, overwrite)
    trainer = GanTrainer(config, images_to_training_tensor(split.images, torch_device), torch_device)
    probe = QualityProbe(split, config.latent_dim) if eval_every else None
    recorder = RunRecorder(trainer, run_dir, split.checksums, probe, eval_every, keep_best, log, on_epoch=on_epoch)
    record = _run_record(config, torch_device, split.source, split.checksums, eval_every, keep_best)
    if state is not None:
        trainer.load_state_dict(state)
        recorder.resume(state)
        record = {**run_folder.read_config(run_dir), "options": config.to_dict(),
                  "eval_every": eval_every, "keep_best": keep_best}
        record.setdefault("resumed", []).append(
            {"at": datetime.now(timezone.utc).isoformat(timespec="seconds"), "from_step": trainer.global_step})
    run_folder.write_config(run_dir, record)
    print(trainer.discriminator, file=log)
    print(trainer.generator, file=log)
    print(f"training on {torch_device} | {len(trainer.data)} images from {split.source} | run folder {run_dir}"
          + (f" | resuming at epoch {trainer.epoch + 1}, step {trainer.global_step}" if state else ""), file=log)
    try:
        trainer.train(recorder, progress)
    except KeyboardInterrupt:
        if created and not (run_dir / CHECKPOINT_NAME).exists():
            run_folder.remove_unsaved_run(run_dir)
            print(f"\ninterrupted before the first epoch ended: nothing was saved and {run_dir} is removed; "
                  "run the same command again to start over", file=log)
        else:
            print(f"\ninterrupted: {run_dir / CHECKPOINT_NAME} still holds the last completed epoch; "
                  f"continue with `gan-train --resume {run_dir}`", file=log)
        return RunResult(run_dir, trainer.epoch, trainer.global_step, True, recorder.last_losses)
    except BaseException:
        if created:
            run_folder.remove_unsaved_run(run_dir)
        raise
    return RunResult(run_dir, trainer.epoch, trainer.global_step, False, recorder.last_losses)
