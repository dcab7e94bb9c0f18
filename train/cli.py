"""``gan-train``: the command-line face of :func:`ganedge.train.runner.train_run`.

torch is imported only when training starts, so ``--help`` answers at once.
"""

from __future__ import annotations

from pathlib import Path
from typing import Sequence

import click

from ganedge.runtime.base.errors import EXIT_INTERRUPTED
from ganedge.runtime.commands.shared import CONTEXT_SETTINGS, run_command

from .config import (
    DEFAULT_BATCH_SIZE, DEFAULT_BETAS, DEFAULT_DISCRIMINATOR, DISCRIMINATORS, DEFAULT_EMA, DEFAULT_EPOCHS, DEFAULT_LRS, DEFAULT_R1_EVERY, DEFAULT_R1_GAMMA, DEFAULT_SEED,
    LATENT_DIM, TrainConfig,
)


def parse_betas(value: str | tuple[float, float]) -> tuple[float, float]:
    """``"0.5,0.999"`` -> ``(0.5, 0.999)``; a click option type."""
    if isinstance(value, tuple):
        return value
    parts = value.split(",")
    try:
        if len(parts) != 2:
            raise ValueError
        return float(parts[0]), float(parts[1])
    except ValueError:
        raise click.BadParameter(f"expected two numbers like 0.5,0.999, got {value!r}") from None


@click.command(context_settings=CONTEXT_SETTINGS)
@click.option("--epochs", type=int, default=DEFAULT_EPOCHS, show_default=True, help="Passes over the 60,000 training images.")
@click.option("--batch-size", type=int, default=DEFAULT_BATCH_SIZE, show_default=True, help="Images per step.")
@click.option("--lr", type=float, default=None, help=f"Adam learning rate (both networks).  [default: {DEFAULT_LRS['report']:g} with the report's discriminator, {DEFAULT_LRS['conv']:g} with conv]")
@click.option("--betas", type=parse_betas, default=",".join(map(str, DEFAULT_BETAS)), show_default=True, metavar="B1,B2", help="Adam betas.")
@click.option("--latent-dim", type=int, default=LATENT_DIM, show_default=True, help="Length of the latent vector z.")
@click.option("--seed", type=int, default=DEFAULT_SEED, show_default=True, help="Seeds weights, data order and latents: same seed, same weights (CPU).")
@click.option("--r1-gamma", type=float, default=DEFAULT_R1_GAMMA, show_default=True, help="R1 gradient penalty on real images (0 = off; with --lr 2e-4 --batch-size 64 --ema 0 that is the report's plain recipe).")
@click.option("--r1-every", type=int, default=DEFAULT_R1_EVERY, show_default=True, help="Apply R1 every k steps (lazy R1, scaled by k).")
@click.option("--ema", type=float, default=DEFAULT_EMA, show_default=True, metavar="BETA", help="Keep a moving average of the generator's weights (BETA per step) and sample, measure and export that (0 = off).")
@click.option("--discriminator", type=click.Choice(DISCRIMINATORS), default=DEFAULT_DISCRIMINATOR, show_default=True, help="What trains the generator: report = the report's MLP (784-128-1); conv = a small CNN that sees images as images (conv 32 and 64 channels, 4x4 stride 2, a minibatch spread map, linear): a better generator for several times the time per step on a CPU (figures in the model card). The generator, and so the exported file, is the report's either way.")
@click.option("--max-steps", type=int, default=None, help="Stop after this many steps in total (smoke runs).")
@click.option("--device", type=click.Choice(["auto", "cpu", "cuda"]), default="auto", show_default=True, help="auto picks CUDA when torch sees a GPU.")
@click.option("--out", "out_dir", type=click.Path(path_type=Path, file_okay=False), default=None, metavar="DIR", help="Run folder  [default: runs/<time>-seed<seed>]")
@click.option("--resume", "resume_dir", type=click.Path(path_type=Path, file_okay=False), default=None, metavar="RUN", help="Continue the run in this folder from its checkpoint (--epochs sets the new total).")
@click.option("--overwrite", is_flag=True, help="Replace an existing run folder given by --out.")
@click.option("--data-dir", type=click.Path(path_type=Path, file_okay=False), default=None, metavar="DIR", help="Folder with the four FashionMNIST *-ubyte.gz files  [default: the Debian package's, then the download cache]")
@click.option("--download", is_flag=True, help="Download FashionMNIST with torchvision if it is not found locally.")
@click.option("--eval-every", type=click.IntRange(min=0), default=0, show_default=True, metavar="K", help="Every K epochs (and at the end), measure classifier-FD on 5,000 samples with the bundled classifier; written to quality.csv and plotted beside the losses. 0 = off.")
@click.option("--keep-best", is_flag=True, help="Also keep the measured epoch with the lowest classifier-FD against training images as best.pt (checkpoint selection; the test split stays held out). Needs --eval-every; export it with gan-export --checkpoint RUN/best.pt.")
@click.option("--progress/--no-progress", default=None, help="Show a progress bar  [default: when stderr is a terminal]")
@click.pass_context
def gan_train(ctx: click.Context, epochs: int, batch_size: int, lr: float | None, betas: tuple[float, float], latent_dim: int,
         seed: int, r1_gamma: float, r1_every: int, ema: float, discriminator: str, max_steps: int | None, device: str, out_dir: Path | None, resume_dir: Path | None,
         overwrite: bool, data_dir: Path | None, download: bool, eval_every: int, keep_best: bool, progress: bool | None) -> int:
    """Train the course report's GAN on the real FashionMNIST.

    Prints both networks (exactly as the report shows them), then trains with
    the non-saturating BCE-with-logits loss and Adam. The run folder gets
    config.json, checkpoint.pt (after every epoch, written atomically),
    losses.csv and losses.png, samples.png and one grid per epoch from the
    same 8 latents (samples/, progress.png). runs/latest points at the newest
    run, which gan-export and gan-run use by default.

    Ctrl-C keeps the last completed epoch's checkpoint; --resume continues it
    bit for bit.

    \b
    Examples:
      gan-train                                # 30 epochs, about 2 min on 2 CPU cores
      gan-train --epochs 5 --seed 1 --out runs/seed1
      gan-train --resume runs/seed1 --epochs 10
      gan-train --max-steps 200 --out runs/smoke --overwrite
      gan-train --eval-every 5 --out runs/measured     # classifier-FD every 5 epochs
      gan-train --eval-every 1 --keep-best             # also keep the best epoch as best.pt
    """
    if resume_dir is not None:
        for name in ("batch_size", "lr", "betas", "latent_dim", "seed", "r1_gamma", "r1_every", "ema", "discriminator", "out_dir", "overwrite"):
            if ctx.get_parameter_source(name) == click.core.ParameterSource.COMMANDLINE:
                raise click.UsageError(f"--{name.replace('_', '-')} cannot be changed on --resume (the run keeps its own settings)")
        if ctx.get_parameter_source("epochs") != click.core.ParameterSource.COMMANDLINE:
            epochs = 0  # 0: keep the run's own epoch count
    config = TrainConfig(epochs, batch_size, lr, betas, latent_dim, seed, max_steps, r1_gamma, r1_every, ema, discriminator)
    try:
        from .runner import train_run
    except ImportError as error:
        raise click.UsageError(f"gan-train needs the training extra ({error.name} is missing): pip install 'ganedge[train]'")
    result = train_run(
        config, resume_dir or out_dir or _default_dir(seed), device=device, data_dir=data_dir,
        download=download, resume=resume_dir is not None, overwrite=overwrite, progress=progress,
        eval_every=eval_every, keep_best=keep_best,
    )
    if result.interrupted:
        return EXIT_INTERRUPTED
    click.echo(f"done: {result.epochs_done} epochs, {result.global_step} steps -> {result.run_dir} (runs/latest)")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``gan-train``: every user error becomes one line and exit code 2 (Ctrl-C: 130).

    Examples
    --------
    >>> main(["--epochs", "0"])
    2
    """
    return run_command(gan_train, "gan-train", argv)


def _default_dir(seed: int) -> Path:
    from .run_folder import default_run_dir

    return default_run_dir(seed)
