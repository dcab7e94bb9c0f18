"""``gan-eval``: a generator's sample quality as numbers, beside a floor and a noise reference.

A thin layer over :func:`ganedge.runtime.evaluate.evaluate`: find the models
and the data, measure, print a table, optionally write JSON. Every user error
ends as one ``Error: ...`` line on stderr and exit code 2.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Sequence

import click

from .atomic import atomic_write
from .cli import _check_writable, resolve_model, run_command
from .errors import GanRuntimeError
from .evaluate import DEFAULT_EVAL_N, MAX_EVAL_N, MIN_EVAL_N, PRESENT_SHARE, Evaluation
from .metrics import DEFAULT_K
from .session import DEVICES

DEFAULT_SEED = 0
TABLE_COLUMNS = ("generator", "floor (train vs test)", "noise")
APT_HINT = "apt-get install dataset-fashion-mnist, or pass --data-dir FOLDER with the four *-ubyte.gz files"


def load_splits(data_dir: Path | None) -> tuple[Path, Any, Any]:
    """The folder, test split and train split of FashionMNIST, or a one-line :class:`GanRuntimeError`."""
    from .fashion_mnist import CACHE_DIR, DEBIAN_DIR, DatasetError, find_local_data_dir, read_split

    try:
        folder = find_local_data_dir(data_dir)
        if folder is None:
            raise GanRuntimeError(f"FashionMNIST is not in {DEBIAN_DIR} nor {CACHE_DIR / 'FashionMNIST' / 'raw'}; {APT_HINT}")
        return folder, read_split(folder, "test"), read_split(folder, "train")
    except DatasetError as error:
        raise GanRuntimeError(str(error)) from None


def format_table(result: Evaluation) -> str:
    """The readable table ``gan-eval`` prints: one row per metric, one column per image set.

    Examples
    --------
    >>> print(format_table(result))   # doctest: +SKIP
    metric                 generator   floor (train vs test)   noise
    Frechet distance          12.3             0.34            812.0
    """
    sets = list(result.sets().values())
    names = result.class_names
    present = f"classes >= {PRESENT_SHARE:.0%}"

    def top(q: Any) -> str:
        best = int(q.class_shares.argmax())
        return f"{names[best]} {q.class_shares[best]:.1%}"

    rows = [
        ("Frechet distance (FD)", [f"{q.frechet_distance:.3f}" for q in sets]),
        (f"precision (k={result.k})", [f"{q.precision:.3f}" for q in sets]),
        (f"recall (k={result.k})", [f"{q.recall:.3f}" for q in sets]),
        (present, [f"{q.classes_present} / {len(names)}" for q in sets]),
        ("mean confidence", [f"{q.mean_confidence:.3f}" for q in sets]),
        ("top class", [top(q) for q in sets]),
    ]
    histogram = [(f"  {name}", [f"{q.class_shares[c]:.1%}" for q in sets]) for c, name in enumerate(names)]
    head = ("metric", *TABLE_COLUMNS)
    everything = rows + histogram
    widths = [max(len(head[0]), *(len(label) for label, _ in everything))]
    widths += [max(len(head[i + 1]), *(len(cells[i]) for _, cells in everything)) for i in range(len(TABLE_COLUMNS))]

    def line(cells: Sequence[str]) -> str:
        return "  ".join([cells[0].ljust(widths[0])] + [c.rjust(w) for c, w in zip(cells[1:], widths[1:])])

    lines = [line(head), line(["-" * w for w in widths])]
    lines += [line([label, *cells]) for label, cells in rows]
    lines.append("predicted-class histogram:")
    lines += [line([label, *cells]) for label, cells in histogram]
    return "\n".join(lines)


def write_json(path: Path, payload: dict[str, Any]) -> None:
    """Write ``payload`` as sorted, indented JSON, atomically."""
    text = json.dumps(payload, indent=2, sort_keys=True) + "\n"
    try:
        atomic_write(path, lambda tmp_name: Path(tmp_name).write_text(text, encoding="utf-8"))
    except OSError as error:
        raise GanRuntimeError(f"cannot write --json {str(path)!r}: {error.strerror or error}") from None


@click.command(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.option("--model", "model_path", type=click.Path(path_type=Path, dir_okay=False), default=None, metavar="PATH",
              help="Generator .onnx  [default: runs/latest/generator.onnx if it exists, else the bundled model]")
@click.option("--classifier", "classifier_path", type=click.Path(path_type=Path, dir_okay=False), default=None,
              metavar="PATH", help="Measuring classifier .onnx  [default: the bundled one]")
@click.option("--n", "n", type=click.IntRange(MIN_EVAL_N, MAX_EVAL_N), default=DEFAULT_EVAL_N, show_default=True,
              metavar="COUNT", help=f"Images per measured set ({MIN_EVAL_N}..{MAX_EVAL_N}; fewer than {MIN_EVAL_N} "
                                    "make the 128x128 feature covariance behind FD mostly noise).")
@click.option("--seed", type=click.IntRange(min=0), default=DEFAULT_SEED, show_default=True, metavar="INT",
              help="Seed of the latents and the noise images; the same seed gives the same numbers.")
@click.option("--data-dir", type=click.Path(path_type=Path, file_okay=False), default=None, metavar="FOLDER",
              help="FashionMNIST's four *-ubyte.gz files  [default: /usr/share/datasets/fashion-mnist, then the cache]")
@click.option("--json", "json_path", type=click.Path(path_type=Path, dir_okay=False), default=None, metavar="FILE.json",
              help="Also write every number (class shares by name included) as JSON.")
@click.option("--device", type=click.Choice(DEVICES), default="auto", show_default=True,
              help="auto: CUDA if it really loads, else CPU; cuda: CUDA or an error; cpu: CPU.")
@click.version_option(package_name="ganedge", prog_name="gan-eval")
def gan_eval(model_path: Path | None, classifier_path: Path | None, n: int, seed: int, data_dir: Path | None,
             json_path: Path | None, device: str) -> None:
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
    if json_path is not None:
        _check_writable(json_path, "--json")
    from .classifier import ClassifierModel
    from .evaluate import evaluate
    from .generator import GeneratorModel

    path, source = resolve_model(model_path)
    generator = GeneratorModel(path, device=device)
    classifier = ClassifierModel(classifier_path, device=device)
    folder, test, train = load_splits(data_dir)
    accuracy = classifier.metadata.test_accuracy
    click.echo(f"model: {path} ({source}; latent size {generator.latent_dim})")
    click.echo(f"classifier: {classifier.path} (test accuracy {'unknown' if accuracy is None else f'{accuracy:.2%}'})")
    click.echo(f"provider: {generator.provider} (--device {device})")
    click.echo(f"data: {folder} (test split, {len(test.images):,} images)")
    click.echo(f"measuring {n:,} images per set, seed {seed} ...")
    result = evaluate(generator, classifier, test.images, train.images, n=n, seed=seed, k=DEFAULT_K)
    click.echo("")
    click.echo(format_table(result))
    if json_path is not None:
        write_json(json_path, {"model": str(path), "classifier": str(classifier.path),
                               "classifier_test_accuracy": accuracy, **result.as_dict()})
        click.echo(f"wrote {json_path}")


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``gan-eval``: every user error becomes one line and exit code 2.

    Examples
    --------
    >>> main(["--n", "2000", "--json", "eval.json"])   # doctest: +SKIP
    0
    """
    return run_command(gan_eval, "gan-eval", argv)
