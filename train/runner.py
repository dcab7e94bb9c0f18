"""One training run from start (or resume) to finish: the API behind ``gan-train``.

It wires the pieces together: data -> trainer -> after every epoch a checkpoint,
the loss history, the sample grids and the loss plot, all written atomically, so
whatever stops the run leaves the last good epoch on disk.
"""

from __future__ import annotations

import platform
import sys
import time
from dataclasses import dataclass, replace
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable, TextIO

import numpy as np
import torch

from . import run_folder
from .checkpoint import BEST_CHECKPOINT_NAME, CHECKPOINT_NAME, load_checkpoint, save_checkpoint
from .config import SAMPLE_COUNT, TrainConfig
from .data import load_split
from .errors import TrainError
from .loop import GanTrainer, images_to_training_tensor
from .plots import plot_losses, save_progress_grid, save_sample_grid
from .quality import QualityProbe

from ganedge.runtime.grid import to_uint8
from ganedge.runtime.version import ganedge_version


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
    log: TextIO = sys.stdout,
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
    >>> train_run(TrainConfig(epochs=1, max_steps=50), Path("runs/smoke"))   # doctest: +SKIP
    """
    torch_device = resolve_device(device)
    state: dict[str, Any] | None = None
    if resume:
        state = load_checkpoint(run_dir / CHECKPOINT_NAME)
        saved = TrainConfig.from_dict(state["config"])
        config = replace(saved, epochs=config.epochs or saved.epochs, max_steps=config.max_steps)
    config.validate()
    if eval_every < 0:
        raise TrainError(f"--eval-every must be 0 (off) or a positive number of epochs, got {eval_every}")
    if keep_best and not eval_every:
        raise TrainError("--keep-best picks among measured epochs: add --eval-every K (K=1 measures every epoch)")
    split = load_split("train", data_dir, download)
    if state is None:
        run_folder.prepare_new_run(run_dir, overwrite)
    data = images_to_training_tensor(split.images, torch_device)
    trainer = GanTrainer(config, data, torch_device)
    history: list[tuple[int, int, float, float]] = []
    quality: list[run_folder.QualityRow] = []
    progress_rows: list[np.ndarray] = []
    probe = QualityProbe(split, config.latent_dim) if eval_every else None
    record = {
        "options": config.to_dict(),
        "eval_every": eval_every,
        "keep_best": keep_best,
        "device": str(torch_device),
        "data": {"source": str(split.source), "md5": split.checksums},
        "versions": {
            "ganedge": ganedge_version(), "torch": torch.__version__, "numpy": np.__version__,
            "python": platform.python_version(),
        },
        "started_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
    }
    if state is not None:
        trainer.load_state_dict(state)
        history = run_folder.read_losses(run_dir, trainer.global_step)
        quality = run_folder.read_quality(run_dir, trainer.global_step)
        progress_rows = list(state.get("progress_images", torch.zeros(0)).numpy())
        record = {**run_folder.read_config(run_dir), "options": config.to_dict(),
                  "eval_every": eval_every, "keep_best": keep_best}
        record.setdefault("resumed", []).append(
            {"at": datetime.now(timezone.utc).isoformat(timespec="seconds"), "from_step": trainer.global_step}
        )
    run_folder.write_config(run_dir, record)
    # What --keep-best compares against: the measured epochs best.pt could hold (none if it was never written).
    kept = quality if (run_dir / BEST_CHECKPOINT_NAME).is_file() else []
    best_epoch, best_selection = min(((row[0], row[4]) for row in kept), key=lambda pair: pair[1], default=(None, float("inf")))
    run_folder.point_latest(run_dir)
    print(trainer.discriminator, file=log)
    print(trainer.generator, file=log)
    print(
        f"training on {torch_device} | {len(data)} images from {split.source} | run folder {run_dir}"
        + (f" | resuming at epoch {trainer.epoch + 1}, step {trainer.global_step}" if state else ""),
        file=log,
    )
    sample_latents = fixed_latents(config)
    interrupted = False
    last = (float("nan"), float("nan"))
    try:
        while not trainer.finished:
            epoch_number = trainer.epoch + 1
            first_step = trainer.global_step
            bar = _progress_bar(trainer, epoch_number, progress)
            started = time.perf_counter()
            losses = trainer.run_epoch(on_step=bar)
            seconds = time.perf_counter() - started
            if bar:
                bar.close()
            history.extend(
                (first_step + i + 1, epoch_number, float(d), float(g))
                for i, (d, g) in enumerate(zip(losses.discriminator.tolist(), losses.generator.tolist()))
            )
            last = (history[-1][2], history[-1][3]) if history else last
            images = trainer.sample(sample_latents).numpy()
            epoch_done = trainer.step_in_epoch == 0
            label = f"epoch {epoch_number}" if epoch_done else f"step {trainer.global_step}"
            if epoch_done:
                progress_rows.append(to_uint8(images))
                save_sample_grid(images, run_dir / "samples" / f"epoch_{epoch_number:03d}.png", label)
            checkpoint = trainer.state_dict()
            checkpoint["progress_images"] = torch.from_numpy(np.stack(progress_rows)) if progress_rows else torch.zeros(0, dtype=torch.uint8)
            checkpoint["data_md5"] = split.checksums
            run_folder.write_losses(run_dir, history)
            save_checkpoint(run_dir / CHECKPOINT_NAME, checkpoint)
            save_sample_grid(images, run_dir / "samples.png", label)
            if progress_rows:
                save_progress_grid(progress_rows, [f"epoch {i + 1}" for i in range(len(progress_rows))], run_dir / "progress.png")
            quality_note = ""
            if probe is not None and epoch_done and (epoch_number % eval_every == 0 or trainer.finished):
                point = probe.measure(trainer.inference_generator, epoch_number, trainer.global_step)
                quality.append((point.epoch, point.step, point.frechet_distance, point.classes_present,
                                point.selection_distance))
                run_folder.write_quality(run_dir, quality)
                quality_note = f" | classifier-FD {point.frechet_distance:.1f}, {point.classes_present}/10 classes >= 2%"
                if keep_best and not point.selection_distance >= best_selection:
                    save_checkpoint(run_dir / BEST_CHECKPOINT_NAME, checkpoint)
                    best_epoch, best_selection = epoch_number, point.selection_distance
                    quality_note += f" | best so far -> {BEST_CHECKPOINT_NAME}"
            plot_losses(history, run_dir / "losses.png", quality, best_epoch=best_epoch if keep_best else None)
            steps = len(losses.discriminator)
            print(
                f"epoch {epoch_number}/{config.epochs}: {steps} steps in {seconds:.2f} s "
                f"({seconds / max(steps, 1) * 1e3:.2f} ms/step) | loss D {last[0]:.3f} G {last[1]:.3f}{quality_note} | checkpoint saved",
                file=log, flush=True,
            )
            if on_epoch is not None:
                on_epoch(epoch_number)
    except KeyboardInterrupt:
        interrupted = True
        print(
            f"\ninterrupted: {run_dir / CHECKPOINT_NAME} still holds the last completed epoch; "
            f"continue with `gan-train --resume {run_dir}`",
            file=log,
        )
    return RunResult(run_dir, trainer.epoch, trainer.global_step, interrupted, last)


def _progress_bar(trainer: GanTrainer, epoch_number: int, enabled: bool | None) -> Any:
    if enabled is False:
        return None
    from tqdm import tqdm

    total = trainer.steps_per_epoch - trainer.step_in_epoch
    if trainer.config.max_steps is not None:
        total = min(total, trainer.config.max_steps - trainer.global_step)
    bar = tqdm(total=total, desc=f"epoch {epoch_number}/{trainer.config.epochs}", unit="step",
               disable=None if enabled is None else not enabled, mininterval=0.5, leave=False)

    def update(i: int, loss_d: torch.Tensor, loss_g: torch.Tensor) -> None:
        bar.update(1)
        if i % 100 == 0:
            bar.set_postfix_str(f"D {float(loss_d):.3f} G {float(loss_g):.3f}", refresh=False)

    update.close = bar.close  # type: ignore[attr-defined]
    return update
