"""``gan-sweep``: which latent numbers (and which SeFa directions) move the class histogram, ranked.

A thin layer over :mod:`ganedge.runtime.semantics`: sweep, print the top of
the ranking and the direction comparison, write the heatmap PNG and the full
table (CSV, optionally JSON). Every user error ends as one ``Error: ...`` line
on stderr and exit code 2.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any, Sequence

import click

from .atomic import atomic_write
from .cli import _check_writable, parse_value_list, resolve_model, run_command
from .errors import GanRuntimeError
from .eval_cli import write_json
from .latent import format_value
from .session import DEVICES

DEFAULT_SWEEP_N = 500  # latents: class shares to 0.2%, 100 numbers x 2 values in ~15 s on 2 CPU cores
MIN_SWEEP_N = 100  # fewer and a share moves in steps over 1%: sampling noise as large as the effects measured
MAX_SWEEP_N = 10_000
DEFAULT_VALUES = (-3.0, 3.0)  # three standard deviations of a latent number: far, yet still plausible
DEFAULT_SEFA = 10  # top SeFa directions measured
DEFAULT_RANDOM = 20  # random unit directions as their baseline
RANDOM_DIRECTIONS_SEED = 12345  # the baseline's directions do not change with --seed
DEFAULT_TOP = 10
REPORT_NUMBERS = (2, 71, 100)  # the report's guesses: #2 long sleeves, #71 T-shirt, #100 trousers
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


def ranking_table(result: Any, top: int) -> str:
    """The strongest ``top`` edits: rank, edit, value, TV, the class gained and the class lost (percentage points)."""
    names = result.class_names
    lines = [f"{'rank':>4}  {'edit':<10} {'value':>6}  {'TV':>5}  {'gained':<22} lost"]
    for rank, edit in enumerate(result.ranking()[:top], start=1):
        lines.append(_ranking_line(result, int(edit), rank, names))
    return "\n".join(lines)


def _ranking_line(result: Any, edit: int, rank: int, names: Sequence[str]) -> str:
    v = result.strongest_value(edit)
    gained, gain = result.gained(edit, v)
    lost, loss = result.lost(edit, v)
    return (f"{rank:>4}  {result.labels[edit]:<10} {format_value(result.values[v]):>6}  {result.tv[edit, v]:>5.3f}  "
            f"{f'{names[gained]} {gain * 100:+.1f}':<22} {names[lost]} {loss * 100:+.1f}")


def write_csv(path: Path, records: list[dict[str, Any]]) -> None:
    """Write ``records`` (one dict per row, the same keys) as CSV, atomically."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(records[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(records)
    try:
        atomic_write(path, lambda tmp_name: Path(tmp_name).write_text(buffer.getvalue(), encoding="utf-8"))
    except OSError as error:
        raise GanRuntimeError(f"cannot write --csv {str(path)!r}: {error.strerror or error}") from None


@click.command(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.option("--model", "model_path", type=click.Path(path_type=Path, dir_okay=False), default=None, metavar="PATH",
              help="Generator .onnx  [default: runs/latest/generator.onnx if it exists, else the bundled model]")
@click.option("--classifier", "classifier_path", type=click.Path(path_type=Path, dir_okay=False), default=None,
              metavar="PATH", help="Measuring classifier .onnx  [default: the bundled one]")
@click.option("--values", type=parse_values, default=",".join(format_value(v) for v in DEFAULT_VALUES),
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
@click.option("--device", type=click.Choice(DEVICES), default="auto", show_default=True,
              help="auto: CUDA if it really loads, else CPU; cuda: CUDA or an error; cpu: CPU.")
@click.version_option(package_name="ganedge", prog_name="gan-sweep")
def gan_sweep(model_path: Path | None, classifier_path: Path | None, values: tuple[float, ...], n: int, seed: int,
              sefa_count: int, random_count: int, top: int, out: Path, csv_path: Path, json_path: Path | None,
              device: str) -> None:
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
    classes than directions picked at random (on the bundled model at +-3:
    about 2x for the top 10, 4-5x for direction 1 alone).

    Writes the heatmap PNG (--out) and the full table (--csv, --json).

    \b
    Examples:
      gan-sweep                                 # -> gan-sweep.png, gan-sweep.csv
      gan-sweep --values -10,10 --n 1000 --json sweep.json
      gan-sweep --model runs/latest/generator.onnx --sefa 20 --random 50
    """
    for path_option, option in ((out, "--out"), (csv_path, "--csv"), (json_path, "--json")):
        if path_option is not None:
            _check_writable(path_option, option)
    from .classifier import ClassifierModel
    from .directions import random_directions, sefa_directions
    from .generator import GeneratorModel
    from .grid import save_png
    from .semantics import format_shares, render_sweep_heatmap, sweep_directions, sweep_latent_numbers

    path, source = resolve_model(model_path)
    generator = GeneratorModel(path, device=device)
    classifier = ClassifierModel(classifier_path, device=device)
    sefa_vectors = None
    if sefa_count:
        try:
            sefa = sefa_directions(generator.metadata)
        except GanRuntimeError as error:
            raise GanRuntimeError(f"{error}, or skip them with --sefa 0") from None
        if sefa_count > sefa.count:
            raise GanRuntimeError(f"--sefa {sefa_count}: this model stores {sefa.count} SeFa directions")
        sefa_vectors = sefa.vectors[:sefa_count]
    click.echo(f"model: {path} ({source}; latent size {generator.latent_dim})")
    click.echo(f"classifier: {classifier.path}")
    click.echo(f"provider: {generator.provider} (--device {device})")
    shown = ", ".join(format_value(v) for v in values)
    click.echo(f"sweeping {generator.latent_dim} latent numbers x values {shown} over {n} latents (seed {seed}) ...")
    latents = generator.sample_latents(n, seed)
    latent = sweep_latent_numbers(generator, classifier, latents, values)
    names = classifier.class_names
    click.echo(f"unmodified latents: {format_shares(latent.base_shares, names, top=4)}")
    click.echo(f"\nstrongest {min(top, len(latent.labels))} latent numbers (set to value; TV of the class shares):")
    click.echo(ranking_table(latent, top))
    rank_of = {int(e): r for r, e in enumerate(latent.ranking(), start=1)}
    guesses = [number for number in REPORT_NUMBERS if number <= generator.latent_dim]
    if guesses:
        click.echo("the report's guesses (#2 long sleeves, #71 T-shirt, #100 trousers) here:")
        for number in guesses:
            click.echo(_ranking_line(latent, number - 1, rank_of[number - 1], names))
    sefa_result = random_result = None
    if sefa_vectors is not None:
        sefa_result = sweep_directions(generator, classifier, latents, sefa_vectors, values,
                                       [f"dir {k}" for k in range(1, len(sefa_vectors) + 1)])
    if random_count:
        random_result = sweep_directions(generator, classifier, latents,
                                         random_directions(random_count, generator.latent_dim, RANDOM_DIRECTIONS_SEED),
                                         values, [f"random {k}" for k in range(1, random_count + 1)])
    means = [(f"latent numbers 1..{len(latent.labels)} set to v", latent)]
    if sefa_result is not None:
        means.append((f"SeFa directions 1..{len(sefa_result.labels)}, z + v*d", sefa_result))
    if random_result is not None:
        means.append((f"{len(random_result.labels)} random unit directions, z + v*d", random_result))
    click.echo(f"\nmean TV over values {shown}:")
    for label, result in means:
        click.echo(f"  {label:<42} {result.tv.mean():.3f}")
    summary: dict[str, Any] = {"latent_mean_tv": round(float(latent.tv.mean()), 6)}
    if sefa_result is not None and random_result is not None:
        ratio = float(sefa_result.tv.mean() / max(random_result.tv.mean(), 1e-12))
        top1 = float(sefa_result.tv[0].mean() / max(random_result.tv.mean(), 1e-12))
        click.echo(f"  {'SeFa / random':<42} {ratio:.1f}x")
        click.echo(f"  {'SeFa direction 1 alone / random':<42} {top1:.1f}x")
        summary |= {"sefa_mean_tv": round(float(sefa_result.tv.mean()), 6),
                    "random_mean_tv": round(float(random_result.tv.mean()), 6), "sefa_over_random": round(ratio, 3),
                    "sefa_direction_1_over_random": round(top1, 3)}
    title = f"gan-sweep: class-share shift (total variation), n = {n} latents, seed {seed}, {path.name}"
    save_png(render_sweep_heatmap(latent, sefa_result, random_result, top=top, title=title), out)
    records = [{"family": "latent", **row} for row in latent.rows()]
    for family, result in (("sefa", sefa_result), ("random", random_result)):
        if result is not None:
            records += [{"family": family, **row} for row in result.rows()]
    write_csv(csv_path, records)
    click.echo(f"\nwrote {out} (heatmap) and {csv_path} ({len(records)} rows)")
    if json_path is not None:
        write_json(json_path, {
            "model": str(path), "classifier": str(classifier.path), "n": n, "seed": seed, "values": list(values),
            "class_names": list(names),
            "base_shares": {name: round(float(s), 6) for name, s in zip(names, latent.base_shares)},
            "summary": summary, "rows": records,
        })
        click.echo(f"wrote {json_path}")


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``gan-sweep``: every user error becomes one line and exit code 2.

    Examples
    --------
    >>> main(["--values", "-3,3", "--n", "500"])   # doctest: +SKIP
    0
    """
    return run_command(gan_sweep, "gan-sweep", argv)
