"""``gan-run``: the command-line face of :class:`ganedge.runtime.GeneratorModel`.

A thin layer: parse options (small functions passed as click types), pick the
model, generate the rows, write the PNG (and optionally an ``.npz``). Every
user error ends as one ``Error: ...`` line on stderr and exit code 2.
"""

from __future__ import annotations

import math
import os
import zipfile
from pathlib import Path
from typing import Mapping, NamedTuple, Sequence

import click
import numpy as np

from .atomic import atomic_write
from .errors import GanRuntimeError
from .generator import BUNDLED_MODEL, GeneratorModel
from .grid import render_grid, save_png
from .latent import experiment_rows
from .session import DEVICES

LATEST_MODEL = Path("runs") / "latest" / "generator.onnx"
DEFAULT_OUT = Path("gan-run.png")
DEFAULT_N = 8  # the report's rows of 8
DEFAULT_SEED = 0
DEFAULT_SCALE = 3  # 28 px -> 84 px: big enough to see a garment's shape
# "Absurd" sizes for a grid a person looks at (the API itself has no limit and chunks any n):
MAX_IMAGES_PER_ROW = 64  # 64 x 84 px is already ~5,500 px wide; wider rows cannot be compared by eye
MAX_EXPLAIN_N = 10_000  # --explain counts, the PNG shows --show: shares to 0.01%; 64 rows x 10,000 is ~0.5 GB of pixels
MAX_GRID_ROWS = 64  # the report's 5 numbers x (1 + 3 values) is 20 rows; 64 rows of 84 px is ~5,500 px tall
MAX_SCALE = 16  # 28 px -> 448 px per image; larger only blows up the file
EXIT_USAGE = 2
NPZ_DATE = (1980, 1, 1, 0, 0, 0)  # fixed zip timestamps: the same run gives the same .npz bytes


class Perturbation(NamedTuple):
    """One ``--perturb N=V1,V2,...``: latent ``number`` (1-based) and the ``values`` to set it to."""

    number: int
    values: tuple[float, ...]


class DirectionWalk(NamedTuple):
    """One ``--direction K=V1,V2,...``: SeFa direction ``number`` (1-based) and the ``values`` to walk by."""

    number: int
    values: tuple[float, ...]


def _parse_spec(text: str, example: str, not_a_number: str) -> tuple[int, tuple[float, ...]]:
    """``N=V1,V2,...`` -> ``(N, values)``: N a whole number >= 1, values finite and distinct."""
    number_text, equals, values_text = text.partition("=")
    if not equals:
        raise click.BadParameter(f"{text!r} needs the form N=V1,V2,... ({example})")
    try:
        number = int(number_text.strip())
    except ValueError:
        number = 0
    if number < 1:
        raise click.BadParameter(f"{number_text.strip()!r} in {text!r} {not_a_number}")
    return number, parse_value_list(values_text, text, example)


def parse_value_list(values_text: str, whole: str, example: str) -> tuple[float, ...]:
    """``"-10,10,100"`` -> ``(-10.0, 10.0, 100.0)``: finite, distinct numbers, or a ``click.BadParameter``
    that quotes ``whole`` (the option's full text) and ``example``.

    Examples
    --------
    >>> parse_value_list("-3, 3", "-3, 3", "e.g. -3,3")
    (-3.0, 3.0)
    """
    pieces = [piece.strip() for piece in values_text.split(",")]
    if not any(pieces):
        raise click.BadParameter(f"{whole!r} has no values ({example})")
    if not all(pieces):
        raise click.BadParameter(f"{whole!r} has an empty value between commas ({example})")
    values = []
    for piece in pieces:
        try:
            value = float(piece)
        except ValueError:
            raise click.BadParameter(f"{piece!r} in {whole!r} is not a number ({example})") from None
        if not math.isfinite(value):
            raise click.BadParameter(f"{piece!r} in {whole!r} is not a finite number")
        values.append(value)
    if len(set(values)) != len(values):
        raise click.BadParameter(f"{whole!r} repeats a value; give each value once")
    return tuple(values)


def parse_perturb(text: str | Perturbation) -> Perturbation:
    """Parse ``N=V1,V2,...`` (e.g. ``71=-10,10,100``); N counts from 1, as in the report.

    Checks the syntax only; whether N fits the model's latent size is checked
    once the model is open.

    Examples
    --------
    >>> parse_perturb("71=-10,10,100")
    Perturbation(number=71, values=(-10.0, 10.0, 100.0))
    """
    if isinstance(text, Perturbation):
        return text
    return Perturbation(*_parse_spec(text, "e.g. 71=-10,10,100",
                                     "is not a latent number; numbers count from 1 to the latent size"))


def parse_direction(text: str | DirectionWalk) -> DirectionWalk:
    """Parse ``K=V1,V2,...`` (e.g. ``1=-5,0,5``): SeFa direction K (1 = largest eigenvalue) walked by each value.

    Whether the model stores direction K is checked once the model is open.

    Examples
    --------
    >>> parse_direction("1=-5,0,5")
    DirectionWalk(number=1, values=(-5.0, 0.0, 5.0))
    """
    if isinstance(text, DirectionWalk):
        return text
    return DirectionWalk(*_parse_spec(text, "e.g. 1=-5,0,5",
                                      "is not a direction number; directions count from 1 (1 = the largest SeFa eigenvalue)"))


def _distinct_numbers(
    ctx: click.Context, param: click.Parameter, perturbations: tuple[Perturbation, ...]
) -> tuple[Perturbation, ...]:
    numbers = [p.number for p in perturbations]
    repeated = sorted({n for n in numbers if numbers.count(n) > 1})
    if repeated:
        what = "direction" if param.name == "directions" else "latent number"
        raise click.BadParameter(f"{what} {repeated[0]} is given twice; list all its values in one N=V1,V2,...")
    return perturbations


def resolve_model(model_path: Path | None) -> tuple[Path, str]:
    """Which model file to use and why: ``--model``, else ``runs/latest``, else the bundled one.

    Examples
    --------
    >>> resolve_model(Path("my.onnx"))
    (PosixPath('my.onnx'), '--model')
    """
    if model_path is not None:
        return model_path, "--model"
    if LATEST_MODEL.is_file():
        return LATEST_MODEL, "your latest export, runs/latest"
    if BUNDLED_MODEL.is_file():
        return BUNDLED_MODEL, "bundled with ganedge"
    raise GanRuntimeError(
        f"no model: there is no {LATEST_MODEL} here and the bundled model is missing from this install; "
        "pass --model PATH (or run gan-train, then gan-export --opset 17)"
    )


def _check_writable(path: Path, option: str) -> None:
    """Fail before any work when ``path`` cannot be written (the write itself is atomic too)."""
    folder = path.parent
    if path.is_dir():
        raise GanRuntimeError(f"{option} {str(path)!r} is a folder; give a file name")
    if not folder.is_dir():
        raise GanRuntimeError(f"{option} {str(path)!r}: folder {str(folder)!r} does not exist")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise GanRuntimeError(f"{option} {str(path)!r}: folder {str(folder)!r} is not writable")


def save_npz(path: Path, arrays: Mapping[str, np.ndarray]) -> None:
    """Like ``np.savez_compressed`` but atomic and byte-reproducible (fixed zip timestamps)."""

    def write(tmp_name: str) -> None:
        with zipfile.ZipFile(tmp_name, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            for name, array in arrays.items():
                info = zipfile.ZipInfo(f"{name}.npy", date_time=NPZ_DATE)
                info.compress_type = zipfile.ZIP_DEFLATED
                with archive.open(info, "w") as member:
                    np.lib.format.write_array(member, np.asanyarray(array), allow_pickle=False)

    try:
        atomic_write(path, write)
    except OSError as error:
        raise GanRuntimeError(f"cannot write --npz {str(path)!r}: {error.strerror or error}") from None


@click.command(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.option("--model", "model_path", type=click.Path(path_type=Path, dir_okay=False), default=None, metavar="PATH",
              help=f"Generator .onnx  [default: {LATEST_MODEL} if it exists, else the bundled model]")
@click.option("--perturb", "perturbations", type=parse_perturb, multiple=True, callback=_distinct_numbers,
              metavar="N=V1,V2,...",
              help="Set latent number N (counted from 1 to the latent size, as in the report) to each value, "
                   "in all latents; one row per value after the unmodified row. Repeatable.")
@click.option("--direction", "directions", type=parse_direction, multiple=True, callback=_distinct_numbers,
              metavar="K=V1,V2,...",
              help="Walk along SeFa direction K (1 = largest eigenvalue; stored in the model by gan-export): "
                   "z + V * direction_K, additive, so V=0 is the unmodified latent. Rows as for --perturb. Repeatable.")
@click.option("--n", "n", type=click.IntRange(1, MAX_EXPLAIN_N), default=DEFAULT_N, show_default=True,
              metavar="COUNT", help=f"Latents, i.e. images per row (at most {MAX_IMAGES_PER_ROW}: wider rows are "
                                    f"unreadable; with --explain up to {MAX_EXPLAIN_N}, the PNG showing the first --show).")
@click.option("--seed", type=click.IntRange(min=0), default=DEFAULT_SEED, show_default=True, metavar="INT",
              help="Seed of the random latents; the same seed and model give byte-identical files.")
@click.option("--out", type=click.Path(path_type=Path, dir_okay=False), default=DEFAULT_OUT, show_default=True,
              metavar="FILE.png", help="The PNG grid to write.")
@click.option("--npz", "npz_path", type=click.Path(path_type=Path, dir_okay=False), default=None, metavar="FILE.npz",
              help="Also save latents [rows, n, latent], images uint8 [rows, n, 28, 28] and labels [rows] "
                   "(with --explain also class_shares [rows, classes] and class_names).")
@click.option("--explain", is_flag=True,
              help="Classify every image with the measuring classifier and print each row's class shares "
                   "(top classes with %). With --n 2000 the shares are numbers, not 1/8 steps.")
@click.option("--explain-in-png", "explain_in_png", is_flag=True,
              help="Like --explain, and also write each row's top 2 classes under it in the PNG.")
@click.option("--classifier", "classifier_path", type=click.Path(path_type=Path, dir_okay=False), default=None,
              metavar="PATH", help="Measuring classifier .onnx for --explain  [default: the bundled one]")
@click.option("--show", type=click.IntRange(1, MAX_IMAGES_PER_ROW), default=None, metavar="COUNT",
              help=f"Images per row drawn in the PNG  [default: all --n; the first {DEFAULT_N} when --n is above "
                   f"{MAX_IMAGES_PER_ROW}]")
@click.option("--device", type=click.Choice(DEVICES), default="auto", show_default=True,
              help="auto: CUDA if it really loads, else CPU; cuda: CUDA or an error; cpu: CPU.")
@click.option("--scale", type=click.IntRange(1, MAX_SCALE), default=DEFAULT_SCALE, show_default=True, metavar="FACTOR",
              help="Enlarge each 28 px image this many times (nearest neighbour).")
@click.version_option(package_name="ganedge", prog_name="gan-run")
def gan_run(
    model_path: Path | None,
    perturbations: tuple[Perturbation, ...],
    directions: tuple[DirectionWalk, ...],
    n: int,
    seed: int,
    out: Path,
    npz_path: Path | None,
    explain: bool,
    explain_in_png: bool,
    classifier_path: Path | None,
    show: int | None,
    device: str,
    scale: int,
) -> None:
    """Generate FashionMNIST-like images with a ganedge generator; save one labelled PNG grid.

    Without --perturb: one row of --n images from --n random latents (the
    report's second figure). Each --perturb N=V1,V2,... is the report's
    experiment: the same latents with latent number N set to each value in all
    of them. Latent numbers count from 1 to the latent size, as in the report
    (71 is the 71st number). For each --perturb the grid gets the unmodified
    row ("random z") plus one row per value ("#71 = -10"). Each --direction
    K=V1,V2,... does the same along closed-form SeFa direction K (Shen & Zhou,
    CVPR 2021), adding V times the unit direction ("dir 1 = -5").

    --explain measures what the rows show: the measuring classifier's class
    shares per row (the share of the row's images predicted as each class).
    With the report's 8 images they move in 1/8 steps; --n 2000 --explain
    turns the report's by-eye claims into numbers (the PNG then shows the first
    --show images of each row).

    The model is --model PATH, else runs/latest/generator.onnx when it exists
    (your own gan-train; gan-export --opset 17), else the one bundled with
    ganedge; the model and provider used are printed. The same --seed and
    model give a byte-identical PNG and arrays. Bad input: one line on stderr,
    exit code 2, no file written.

    \b
    Examples:
      gan-run                              # 8 images from 8 random latents -> gan-run.png
      gan-run --perturb 2=0,10,100         # the report's three experiments
      gan-run --perturb 71=-10,10,100
      gan-run --perturb 100=-50,-10,10
      gan-run --perturb 2=0,10,100 --perturb 71=-10,10,100 --perturb 100=-50,-10,10 --out report.png
      gan-run --perturb 71=-10,10,100 --n 2000 --explain      # the report's claim, as class shares
      gan-run --direction 1=-5,0,5 --explain-in-png           # SeFa direction 1, shares under each row
      gan-run --model my.onnx --device cuda --n 16 --seed 7 --npz arrays.npz
    """
    explain = explain or explain_in_png
    if n > MAX_IMAGES_PER_ROW and not explain:
        raise click.BadParameter(f"{n} is more than {MAX_IMAGES_PER_ROW} images per row, too wide to compare by eye; "
                                 f"--n up to {MAX_EXPLAIN_N} is for --explain", param_hint="'--n'")
    if classifier_path is not None and not explain:
        raise click.BadParameter("is only used by --explain; add --explain", param_hint="'--classifier'")
    blocks = len(perturbations) + len(directions)
    rows_wanted = max(blocks, 1) + sum(len(p.values) for p in (*perturbations, *directions))
    if rows_wanted > MAX_GRID_ROWS:
        raise click.BadParameter(f"that makes {rows_wanted} rows; at most {MAX_GRID_ROWS} fit one readable grid",
                                 param_hint="'--perturb'" if not directions else "'--perturb' / '--direction'")
    _check_writable(out, "--out")
    if npz_path is not None:
        _check_writable(npz_path, "--npz")
    path, source = resolve_model(model_path)
    model = GeneratorModel(path, device=device)
    click.echo(f"model: {path} ({source}; latent size {model.latent_dim})")
    click.echo(f"provider: {model.provider} (--device {device})")
    latents = model.sample_latents(n, seed)
    latent_rows: list[np.ndarray] = []
    labels: list[str] = []
    if perturbations or not directions:
        latent_rows, labels = experiment_rows(latents, [(p.number, p.values) for p in perturbations])
    if directions:  # each block, like each --perturb, starts with the unmodified row
        from .directions import direction_rows, sefa_directions

        walks = [(d.number, d.values) for d in directions]
        more_rows, more_labels = direction_rows(latents, sefa_directions(model.metadata), walks)
        latent_rows, labels = latent_rows + more_rows, labels + more_labels
    classifier = None
    if explain:
        from .classifier import ClassifierModel

        classifier = ClassifierModel(classifier_path, device=device)
    stacked = np.stack(latent_rows)
    images = model.generate(stacked.reshape(-1, model.latent_dim)).reshape(len(latent_rows), n, *model.image_shape[1:])
    shown = min(show if show is not None else (n if n <= MAX_IMAGES_PER_ROW else DEFAULT_N), n)
    grid = render_grid(list(images[:, :shown]), labels, scale=scale)
    arrays = {"latents": stacked, "images": images, "labels": np.array(labels)}
    if classifier is not None:
        from .semantics import caption_rows, format_explain_table, format_shares, row_class_shares

        shares = row_class_shares(classifier, images)
        click.echo(f"classifier: {classifier.path}")
        click.echo(format_explain_table(labels, shares, classifier.class_names, n))
        if explain_in_png:
            cell = model.image_shape[1] * scale
            captions = [format_shares(row, classifier.class_names, top=2, short=True) for row in shares]
            grid = caption_rows(grid, captions, cell, shown, model.image_shape[2] * scale)
        arrays |= {"class_shares": shares, "class_names": np.array(classifier.class_names)}
    save_png(grid, out)
    click.echo(f"wrote {out} ({len(labels)} x {shown} images{'' if shown == n else f', the first {shown} of {n} per row'})")
    if npz_path is not None:
        save_npz(npz_path, arrays)
        click.echo(f"wrote {npz_path} ({', '.join(arrays)})")


def _one_line(message: str) -> str:
    return " ".join(message.split())


def run_command(command: click.Command, prog_name: str, argv: Sequence[str] | None = None) -> int:
    """Run a ganedge click command; every user error becomes one ``Error: ...`` line and exit code 2.

    Shared by ``gan-run``, ``gan-eval`` and ``gan-sweep``.
    """
    try:
        result = command.main(args=list(argv) if argv is not None else None, prog_name=prog_name, standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("Aborted!", err=True)
        return 1
    except click.ClickException as error:
        click.echo(f"Error: {_one_line(error.format_message())}", err=True)
        return EXIT_USAGE
    except GanRuntimeError as error:
        click.echo(f"Error: {_one_line(str(error))}", err=True)
        return EXIT_USAGE
    return result if isinstance(result, int) else 0


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``gan-run``: run the command, turn every user error into one line and exit code 2.

    Examples
    --------
    >>> main(["--perturb", "71=-10,10,100", "--out", "perturb.png"])   # doctest: +SKIP
    0
    """
    return run_command(gan_run, "gan-run", argv)
