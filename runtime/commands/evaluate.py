"""``gan-eval``: a generator's sample quality as numbers, beside a floor and a noise reference.

A thin layer over :func:`ganedge.runtime.measure.evaluate.evaluate`: find the
models and the data, measure, print a table, optionally write JSON.
"""

from __future__ import annotations

from pathlib import Path
from typing import NoReturn, Sequence

import click

from ..measure.evaluate import DEFAULT_EVAL_N, MAX_EVAL_N, MIN_EVAL_N
from ..measure.metrics import DEFAULT_K
from ..models import BUNDLED_CLASSIFIER
from .shared import (
    CONTEXT_SETTINGS, classifier_option, device_option, exit_process, model_option, resolve_model, run_command,
    threads_option,
)

DEFAULT_SEED = 0


@click.command(context_settings=CONTEXT_SETTINGS)
@model_option
@classifier_option()
@click.option("--n", "n", type=click.IntRange(MIN_EVAL_N, MAX_EVAL_N), default=DEFAULT_EVAL_N, show_default=True,
              metavar="COUNT", help=f"Images per measured set ({MIN_EVAL_N}..{MAX_EVAL_N}; fewer than {MIN_EVAL_N} "
                                    "make the 128x128 feature covariance behind FD mostly noise).")
@click.option("--seed", type=click.IntRange(min=0), default=DEFAULT_SEED, show_default=True, metavar="INT",
              help="Seed of the latents and the noise images; the same seed gives the same numbers.")
@click.option("--data-dir", type=click.Path(path_type=Path, file_okay=False), default=None, metavar="FOLDER",
              help="FashionMNIST's four *-ubyte.gz files  [default: /usr/share/datasets/fashion-mnist, then the cache]")
@click.option("--json", "json_path", type=click.Path(path_type=Path, dir_okay=False), default=None, metavar="FILE.json",
              help="Also write every number (class shares by name included) as JSON.")
@device_option
@threads_option
@click.version_option(package_name="ganedge", prog_name="gan-eval")
def gan_eval(model_path: Path | None, classifier_path: Path | None, n: int, seed: int, data_dir: Path | None,
             json_path: Path | None, device: str, threads: int | None) -> None:
    """Measure a generator: Frechet distance, precision/recall and class histogram, beside a floor and noise.

    Everything is measured in the measuring classifier's 128-number feature
    space against FashionMNIST's test split (10,000 images), for three sets of
    --n images each: the generator's (from --n random latents), the floor
    (--n real training images, a fixed subset: the best any generator can
    score) and a noise reference (uniform noise in [-1, 1]: nothing learned).
    Precision and recall use k-NN manifolds (Kynkaanniemi et al. 2019, k=3);
    "classes >= 2%" counts the classes that get at least 2% of the images
    (10 for real data; a collapsed generator gets few).

    The model is found like gan-run finds it. Takes about 20 s for --n 10000
    on 2 CPU cores. The same --seed gives the same numbers. Bad input: one
    line on stderr, exit code 2.

    \b
    Examples:
      gan-eval                                  # the bundled (or your latest) generator
      gan-eval --model runs/latest/generator.onnx --json eval.json
      gan-eval --n 2000 --seed 1                # quicker, noisier
    """
    from ..base.dataset import read_splits
    from ..base.files import check_outputs, write_json
    from ..generator.model import GeneratorModel
    from ..measure.classifier import ClassifierModel
    from ..measure.evaluate import evaluate
    from ..measure.tables import format_eval_table

    path, source = resolve_model(model_path)
    check_outputs({"--json": json_path}, {"--model": path, "--classifier": classifier_path or BUNDLED_CLASSIFIER})
    generator = GeneratorModel(path, device=device, threads=threads)
    classifier = ClassifierModel(classifier_path, device=device, threads=threads)
    folder, test, train = read_splits(data_dir)
    accuracy = classifier.metadata.test_accuracy
    click.echo(f"model: {path} ({source}; latent size {generator.latent_dim})")
    click.echo(f"classifier: {classifier.path} (test accuracy {'unknown' if accuracy is None else f'{accuracy:.2%}'})")
    click.echo(f"provider: {generator.provider} (--device {device})")
    click.echo(f"data: {folder} (test split, {len(test.images):,} images)")
    click.echo(f"measuring {n:,} images per set, seed {seed} ...")
    result = evaluate(generator, classifier, test.images, train.images, n=n, seed=seed, k=DEFAULT_K)
    click.echo("")
    click.echo(format_eval_table(result))
    if json_path is not None:
        write_json(json_path, {"model": str(path), "classifier": str(classifier.path),
                               "classifier_test_accuracy": accuracy, **result.as_dict()})
        click.echo(f"wrote {json_path}")


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``gan-eval``: every user error becomes one line and exit code 2.

    Examples
    --------
    >>> main(["--n", "500", "--json", "eval.json"])
    model: ...
    0
    """
    return run_command(gan_eval, "gan-eval", argv)


def console() -> NoReturn:
    """The ``gan-eval`` console script: :func:`main` on the command line, then the process ends at once (:func:`exit_process`)."""
    exit_process(main())
