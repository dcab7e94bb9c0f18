"""``gan-sweep``: which latent numbers (and which SeFa directions) move the class histogram, ranked.

A thin layer over :mod:`ganedge.runtime.measure.sweep`: sweep, print the top
of the ranking and the direction comparison, write the heatmap PNG and the
full table (CSV, optionally JSON).
"""

from __future__ import annotations

from pathlib import Path
from typing import NoReturn, Sequence

import click

from ..base.errors import GanRuntimeError
from ..models import BUNDLED_CLASSIFIER
from .shared import (
    CONTEXT_SETTINGS, classifier_option, device_option, exit_process, model_option, parse_value_list, resolve_model,
    run_command, threads_option,
)

DEFAULT_SWEEP_N = 500  # latents: class shares to 0.2%, 100 numbers x 2 values in ~15 s on 2 CPU cores
MIN_SWEEP_N = 100  # fewer and a share moves in steps over 1%: sampling noise as large as the effects measured
MAX_SWEEP_N = 10_000
DEFAULT_VALUES = (-3.0, 3.0)  # three standard deviations of a latent number: far, yet still plausible
DEFAULT_SEFA = 10  # top SeFa directions measured
DEFAULT_RANDOM = 20  # random unit directions as their baseline
DEFAULT_TOP = 10
MAX_VALUES = 8


def parse_values(text: str | tuple[float, ...]) -> tuple[float, ...]:
    """``"-3,3"`` -> ``(-3.0, 3.0)``: finite, distinct numbers.

    Examples
    --------
    >>> parse_values("-3, 3")
    (-3.0, 3.0)
    """
    if isinstance(text, tuple):
        return text
    values = parse_value_list(text, text, "e.g. -3,3")
    if len(values) > MAX_VALUES:
        raise click.BadParameter(f"{text!r} has {len(values)} values; at most {MAX_VALUES}")
    return tuple(values)


@click.command(context_settings=CONTEXT_SETTINGS)
@model_option
@classifier_option()
@click.option("--values", type=parse_values, default=",".join(f"{v:g}" for v in DEFAULT_VALUES),
              show_default=True, metavar="V1,V2,...",
              help="What each latent number is set to, and how far each direction is walked.")
@click.option("--n", "n", type=click.IntRange(MIN_SWEEP_N, MAX_SWEEP_N), default=DEFAULT_SWEEP_N, show_default=True,
              metavar="COUNT", help=f"Latents per measurement (at least {MIN_SWEEP_N}: fewer move a share in >1% steps).")
@click.option("--seed", type=click.IntRange(min=0), default=0, show_default=True, metavar="INT",
              help="Seed of the latents; the same seed gives the same numbers and files.")
@click.option("--sefa", "sefa_count", type=click.IntRange(min=0), default=DEFAULT_SEFA, show_default=True, metavar="K",
              help="Also walk the top K SeFa directions (0: skip).")
@click.option("--random", "random_count", type=click.IntRange(0, 1000), default=DEFAULT_RANDOM, show_default=True,
              metavar="R", help="Also walk R random unit directions, SeFa's baseline (0: skip).")
@click.option("--top", type=click.IntRange(1, 100), default=DEFAULT_TOP, show_default=True, metavar="COUNT",
              help="Rows of the printed ranking and of the PNG's class-shift panel.")
@click.option("--out", type=click.Path(path_type=Path, dir_okay=False), default=Path("gan-sweep.png"), show_default=True,
              metavar="FILE.png", help="The heatmap PNG.")
@click.option("--csv", "csv_path", type=click.Path(path_type=Path, dir_okay=False), default=Path("gan-sweep.csv"),
              show_default=True, metavar="FILE.csv", help="The full table: one row per (edit, value), all class shares.")
@click.option("--json", "json_path", type=click.Path(path_type=Path, dir_okay=False), default=None, metavar="FILE.json",
              help="Also write everything as JSON.")
@device_option
@threads_option
@click.version_option(package_name="ganedge", prog_name="gan-sweep")
def gan_sweep(model_path: Path | None, classifier_path: Path | None, values: tuple[float, ...], n: int, seed: int,
              sefa_count: int, random_count: int, top: int, out: Path, csv_path: Path, json_path: Path | None,
              device: str, threads: int | None) -> None:
    """Rank every latent number by how much it moves the class histogram; draw it as a heatmap.

    For each latent number (1..100, counted as in the report) and each value
    of --values, the number is set to that value in --n random latents, the
    images are classified, and the class shares are compared with those of the
    unmodified latents: total variation distance (TV, 0 = same histogram, 1 =
    disjoint) and the class gained most. Numbers are ranked by their largest
    TV. The report's guesses (#2, #71, #100) are printed wherever they rank.

    The same measurement is made for the top --sefa closed-form directions
    (SeFa, Shen & Zhou, CVPR 2021; stored in the model by gan-export) and for
    --random random unit directions, both walked additively (z + v * d); the
    ratio of their mean TVs says how much more SeFa's directions move the
    classes than directions picked at random (the bundled model's figures
    are in its model card).

    Writes the heatmap PNG (--out) and the full table (--csv, --json).

    \b
    Examples:
      gan-sweep                                 # -> gan-sweep.png, gan-sweep.csv
      gan-sweep --values -10,10 --n 1000 --json sweep.json
      gan-sweep --model runs/latest/generator.onnx --sefa 20 --random 50
    """
    from ..base.files import check_outputs, json_writer, records_csv_writer, write_all
    from ..base.pictures import png_writer
    from ..base.edit_values import format_value
    from ..generator.model import GeneratorModel
    from ..measure.classifier import ClassifierModel
    from ..measure.sweep import sweep_everything, sweep_heatmap
    from ..measure.tables import format_sweep

    path, source = resolve_model(model_path)
    check_outputs({"--out": out, "--csv": csv_path, "--json": json_path},
                  {"--model": path, "--classifier": classifier_path or BUNDLED_CLASSIFIER})
    generator = GeneratorModel(path, device=device, threads=threads)
    classifier = ClassifierModel(classifier_path, device=device, threads=threads)
    if sefa_count:
        try:
            generator.sefa
        except GanRuntimeError as error:
            raise GanRuntimeError(f"{error}, or skip them with --sefa 0") from None
    click.echo(f"model: {path} ({source}; latent size {generator.latent_dim})")
    click.echo(f"classifier: {classifier.path}")
    click.echo(f"provider: {generator.provider} (--device {device})")
    shown = ", ".join(format_value(v) for v in values)
    click.echo(f"sweeping {generator.latent_dim} latent numbers x values {shown} over {n} latents (seed {seed}) ...")
    sweep = sweep_everything(generator, classifier, generator.sample_latents(n, seed), values, sefa_count, random_count)
    click.echo(format_sweep(sweep, top))
    title = f"gan-sweep: class-share shift (total variation), n = {n} latents, seed {seed}, {path.name}"
    records = sweep.records()
    files = [(out, png_writer(sweep_heatmap(sweep.latent, sweep.sefa, sweep.random, top=top, title=title)), "--out"),
             (csv_path, records_csv_writer(records), "--csv")]
    if json_path is not None:
        names = classifier.class_names
        files.append((json_path, json_writer({
            "model": str(path), "classifier": str(classifier.path), "n": n, "seed": seed, "values": list(values),
            "class_names": list(names),
            "base_shares": {name: round(float(s), 6) for name, s in zip(names, sweep.latent.base_shares)},
            "summary": sweep.summary(), "rows": records,
        }), "--json"))
    write_all(files)  # all or none
    click.echo(f"\nwrote {out} (heatmap) and {csv_path} ({len(records)} rows)" + (f" and {json_path}" if json_path else ""))


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``gan-sweep``: every user error becomes one line and exit code 2.

    Examples
    --------
    >>> main(["--values", "-3,3", "--n", "100", "--sefa", "2", "--random", "2"])
    model: ...
    0
    """
    return run_command(gan_sweep, "gan-sweep", argv)


def console() -> NoReturn:
    """The ``gan-sweep`` console script: :func:`main` on the command line, then the process ends at once (:func:`exit_process`)."""
    exit_process(main())
