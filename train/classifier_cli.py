"""``gan-train-classifier``: train the measuring classifier on the real FashionMNIST."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from .errors import TrainError

DEFAULT_OUT = Path("runs") / "classifier"


@click.command(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.option("--epochs", type=click.IntRange(min=1), default=12, show_default=True, help="Passes over the 60,000 training images.")
@click.option("--seed", type=click.IntRange(min=0), default=0, show_default=True, help="Seeds weights, data order and flips.")
@click.option("--out", "out_dir", type=click.Path(path_type=Path, file_okay=False), default=DEFAULT_OUT, show_default=True, metavar="DIR", help="Folder for classifier.pt.")
@click.option("--overwrite", is_flag=True, help="Replace an existing classifier.pt.")
@click.option("--data-dir", type=click.Path(path_type=Path, file_okay=False), default=None, metavar="DIR", help="Folder with the four FashionMNIST *-ubyte.gz files.")
def main(epochs: int, seed: int, out_dir: Path, overwrite: bool, data_dir: Path | None) -> None:
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
        import torch

        from ganedge.runtime.atomic import atomic_write

        from .classifier import ARCHITECTURE, train_classifier
        from .data import load_split
    except ImportError as error:
        raise click.UsageError(f"gan-train-classifier needs the training extra ({error.name} is missing): pip install 'ganedge[train]'")
    target = out_dir / "classifier.pt"
    try:
        if target.exists() and not overwrite:
            raise TrainError(f"{target} exists; pass --overwrite to replace it or another --out")
        try:
            out_dir.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise TrainError(f"cannot write to {out_dir}: {error.strerror or error}") from None
        train, test = load_split("train", data_dir), load_split("test", data_dir)
    except TrainError as error:
        click.echo(f"Error: {error}", err=True)
        sys.exit(2)
    result = train_classifier(train.images, train.labels, test.images, test.labels, epochs, seed, log=sys.stdout)
    state = {
        "architecture": ARCHITECTURE, "model": result.model.state_dict(), "test_accuracy": result.test_accuracy,
        "epochs": epochs, "seed": seed, "data_md5": {**train.checksums, **test.checksums},
    }
    atomic_write(target, lambda tmp_name: torch.save(state, tmp_name))
    click.echo(f"test accuracy {result.test_accuracy:.2%} -> {target}; export with: gan-export --classifier {target}")
