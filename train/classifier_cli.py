"""``gan-train-classifier``: train the measuring classifier on the real FashionMNIST."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Sequence

import click

from ganedge.runtime.commands.shared import CONTEXT_SETTINGS, run_command

from .errors import TrainError

DEFAULT_OUT = Path("runs") / "classifier"


@click.command(context_settings=CONTEXT_SETTINGS)
@click.option("--epochs", type=click.IntRange(1, 1000), default=12, show_default=True, help="Passes over the 60,000 training images.")
@click.option("--seed", type=click.IntRange(0, 2**31 - 1), default=0, show_default=True, help="Seeds weights, data order and flips.")
@click.option("--out", "out_dir", type=click.Path(path_type=Path, file_okay=False), default=DEFAULT_OUT, show_default=True, metavar="DIR", help="Folder for classifier.pt.")
@click.option("--overwrite", is_flag=True, help="Replace an existing classifier.pt.")
@click.option("--data-dir", type=click.Path(path_type=Path, file_okay=False), default=None, metavar="DIR", help="Folder with the four FashionMNIST *-ubyte.gz files.")
def gan_train_classifier(epochs: int, seed: int, out_dir: Path, overwrite: bool, data_dir: Path | None) -> None:
    """Train the small CNN that gan-eval and gan-run --explain measure with.

    It classifies images as the generator makes them ([N, 1, 28, 28] in
    [-1, 1]) and exposes a 128-number feature vector for Frechet distance and
    precision/recall. Prints the test accuracy after every epoch (about 30 s
    each on 2 CPU cores). Export it with gan-export --classifier.

    \b
    Examples:
      gan-train-classifier
      gan-export --classifier runs/classifier/classifier.pt
    """
    try:
        from .checkpoint import save_checkpoint
        from .classifier import ARCHITECTURE, train_classifier
        from .data import load_split
    except ImportError as error:
        raise click.UsageError(f"gan-train-classifier needs the training extra ({error.name} is missing): pip install 'ganedge[train]'")
    from ganedge.runtime.base.files import check_writable

    target = out_dir / "classifier.pt"
    if target.exists() and not overwrite:
        raise TrainError(f"{target} exists; pass --overwrite to replace it or another --out")
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise TrainError(f"cannot write to {out_dir}: {error.strerror or error}") from None
    check_writable(target, "--out")
    train, test = load_split("train", data_dir), load_split("test", data_dir)
    result = train_classifier(train.images, train.labels, test.images, test.labels, epochs, seed, log=sys.stdout)
    state = {
        "architecture": ARCHITECTURE, "model": result.model.state_dict(), "test_accuracy": result.test_accuracy,
        "epochs": epochs, "seed": seed, "data_md5": {**train.checksums, **test.checksums},
    }
    save_checkpoint(target, state)
    click.echo(f"test accuracy {result.test_accuracy:.2%} -> {target}; export with: gan-export --classifier {target}")


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``gan-train-classifier``: every user error becomes one line and exit code 2."""
    return run_command(gan_train_classifier, "gan-train-classifier", argv)
