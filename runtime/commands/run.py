"""``gan-run``: the report's experiment as one labelled PNG grid, a thin layer over :class:`GeneratorModel`.

Parse the options, open the model, ask it for the rows
(:meth:`~ganedge.runtime.GeneratorModel.experiment`), draw them
(:meth:`~ganedge.runtime.GeneratorModel.render`), optionally classify them
(``--explain``) and save the PNG (and an ``.npz``). The latents are sampled
from ``--seed``, or read from a file (``--latents``, e.g. what gan-project
found). ``--seeds A-B --outdir DIR`` is the other job, StyleGAN's: one file
per seed (:func:`write_seed_images`).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, NoReturn, Sequence

import click

from .seeds import parse_seeds, write_seed_images
from .shared import (
    CONTEXT_SETTINGS, DirectionWalk, Perturbation, classifier_option, device_option, distinct_numbers, exit_process,
    model_option, parse_direction, parse_perturb, resolve_model, run_command, threads_option,
)

DEFAULT_OUT = Path("gan-run.png")
DEFAULT_N = 8  # the report's rows of 8
DEFAULT_SEED = 0
DEFAULT_SCALE = 3  # 28 px -> 84 px: big enough to see a garment's shape
# "Absurd" sizes for a grid a person looks at (the API itself has no limit and chunks any n):
MAX_IMAGES_PER_ROW = 64  # 64 x 84 px is already ~5,500 px wide; wider rows cannot be compared by eye
MAX_EXPLAIN_N = 10_000  # --explain counts, the PNG shows --show: shares to 0.01%
MAX_GRID_ROWS = 64  # the report's 5 numbers x (1 + 3 values) is 20 rows; 64 rows of 84 px is ~5,500 px tall
MAX_SCALE = 16  # 28 px -> 448 px per image; larger only blows up the file
# The options of the grid, and of --seeds, by parameter name: given with the other job, they are refused.
GRID_OPTIONS = {"perturbations": "--perturb", "directions": "--direction", "out": "--out", "npz_path": "--npz",
                "n": "--n", "seed": "--seed", "latents_path": "--latents", "explain": "--explain",
                "explain_in_png": "--explain-in-png", "show": "--show", "classifier_path": "--classifier",
                "scale": "--scale"}
SEEDS_OPTIONS = {"outdir": "--outdir", "image_format": "--format"}


@click.command(context_settings=CONTEXT_SETTINGS)
@model_option
@click.option("--perturb", "perturbations", type=parse_perturb, multiple=True, callback=distinct_numbers,
              metavar="N=V1,V2,...",
              help="Set latent number N (counted from 1 to the latent size, as in the report) to each value, "
                   "in all latents; one row per value after the unmodified row. Repeatable.")
@click.option("--direction", "directions", type=parse_direction, multiple=True, callback=distinct_numbers,
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
@click.option("--latents", "latents_path", type=click.Path(path_type=Path, dir_okay=False), default=None,
              metavar="FILE", help="Use these latents instead of sampling --n from --seed: an .npy [n, latent] or an "
                                   ".npz with z (as gan-project writes).")
@click.option("--npz", "npz_path", type=click.Path(path_type=Path, dir_okay=False), default=None, metavar="FILE.npz",
              help="Also save latents [rows, n, latent], images uint8 [rows, n, 28, 28] and labels [rows] "
                   "(with --explain also class_shares [rows, classes] and class_names).")
@click.option("--explain", is_flag=True,
              help="Classify every image with the measuring classifier and print each row's class shares "
                   "(top classes with %). With --n 2000 the shares are numbers, not 1/8 steps.")
@click.option("--explain-in-png", "explain_in_png", is_flag=True,
              help="Like --explain, and also write each row's top 2 classes under it in the PNG.")
@classifier_option("Measuring classifier .onnx for --explain  [default: the bundled one]")
@click.option("--show", type=click.IntRange(1, MAX_IMAGES_PER_ROW), default=None, metavar="COUNT",
              help=f"Images per row drawn in the PNG  [default: all --n; the first {DEFAULT_N} when --n is above "
                   f"{MAX_IMAGES_PER_ROW}]")
@device_option
@threads_option
@click.option("--scale", type=click.IntRange(1, MAX_SCALE), default=DEFAULT_SCALE, show_default=True, metavar="FACTOR",
              help="Enlarge each 28 px image this many times (nearest neighbour).")
@click.option("--seeds", type=parse_seeds, default=None, metavar="A-B,C,...",
              help="Instead of a grid: one file per seed in --outdir, seedNNNN.png, each the image of that seed "
                   "alone (the first latent of --seed s).")
@click.option("--outdir", type=click.Path(path_type=Path, file_okay=False), default=None, metavar="DIR",
              help="The folder for --seeds (created if missing).")
@click.option("--format", "image_format", type=click.Choice(["png", "npz"]), default="png", show_default=True,
              help="--seeds files: a 28 px PNG, or an .npz of z [1, latent] and images uint8 [1, 28, 28].")
@click.version_option(package_name="ganedge", prog_name="gan-run")
def gan_run(model_path: Path | None, perturbations: tuple[Perturbation, ...], directions: tuple[DirectionWalk, ...],
            n: int, seed: int, out: Path, latents_path: Path | None, npz_path: Path | None, explain: bool,
            explain_in_png: bool, classifier_path: Path | None, show: int | None, device: str, threads: int | None,
            scale: int, seeds: tuple[range, ...] | None, outdir: Path | None, image_format: str) -> None:
    """Generate FashionMNIST-like images with a ganedge generator; save one labelled PNG grid.

    Without --perturb: one row of --n images from --n random latents (the
    report's second figure). Each --perturb N=V1,V2,... is the report's
    experiment: the same latents with latent number N set to each value in all
    of them. Latent numbers count from 1 to the latent size, as in the report
    (71 is the 71st number). For each --perturb the grid gets the unmodified
    row ("random z") plus one row per value ("#71 = -10"). Each --direction
    K=V1,V2,... does the same along closed-form SeFa direction K (Shen & Zhou,
    CVPR 2021), adding V times the unit direction ("dir 1 = -5").

    --latents FILE uses latents from a file instead (an .npy [n, latent], or
    the z of an .npz, as gan-project writes it). --seeds 0-31,40 --outdir DIR
    writes one image per seed instead of a grid, seedNNNN.png (StyleGAN's
    convention): seed s is always the same image, whatever the other seeds.

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
      gan-run --latents z.npz --perturb 71=-10,10,100           # latents gan-project found
      gan-run --seeds 0-31,40 --outdir seeds                     # seeds/seed0000.png ... seed0040.png
    """
    explain = explain or explain_in_png
    _check_modes(seeds, outdir, latents_path)
    if seeds is not None:
        write_seed_images(model_path, seeds, outdir, image_format, device, threads)  # type: ignore[arg-type]
        return
    _check_sizes(n, explain, classifier_path, perturbations, directions)
    import numpy as np  # deferred, like every heavy import, so --help answers at once

    from ..base.files import check_outputs, npz_writer, write_all
    from ..base.pictures import grid_pixels, png_writer
    from ..generator.model import GeneratorModel
    from ..models import BUNDLED_CLASSIFIER

    path, source = resolve_model(model_path)
    check_outputs({"--out": out, "--npz": npz_path},
                  {"--model": path, "--classifier": (classifier_path or BUNDLED_CLASSIFIER) if explain else None,
                   "--latents": latents_path})
    model = GeneratorModel(path, device=device, threads=threads)
    click.echo(f"model: {path} ({source}; latent size {model.latent_dim})")
    click.echo(f"provider: {model.provider} (--device {device})")
    if latents_path is None:
        latents = model.sample_latents(n, seed)
    else:
        from ..generator.projection import read_latents  # only here: it brings the weights reader along

        latents = read_latents(latents_path, model.latent_dim)
        n = len(latents)
        _check_sizes(n, explain, classifier_path, perturbations, directions, latents_path)
    classifier = _open_classifier(classifier_path, device, threads) if explain else None
    edits = model.experiment_edits(perturbations, directions)
    labels = [edit.label for edit in edits]
    shown = min(show if show is not None else (n if n <= MAX_IMAGES_PER_ROW else DEFAULT_N), n)
    shown_rows, kept_latents, kept_pixels, shares = [], [], [], []
    for edit in edits:  # row by row: memory for one row, unless --npz keeps every row
        row = edit.apply(latents)
        pixels = model.generate(row)
        shown_rows.append(pixels[:shown].copy())  # a copy: a view would keep the whole row alive
        if npz_path is not None:
            kept_latents.append(row)
            kept_pixels.append(pixels)
        if classifier is not None:
            shares.append(_row_shares(classifier, pixels))
    grid = grid_pixels(shown_rows, labels, scale=scale)  # model.render's pixels, without Pillow's image type
    files = []
    if classifier is not None:
        grid = _explain(classifier, np.stack(shares), labels, grid, n, explain_in_png, shown, scale * model.image_shape[1])
    files.append((out, png_writer(grid), "--out"))
    if npz_path is not None:
        arrays: dict[str, Any] = {"latents": np.stack(kept_latents), "images": np.stack(kept_pixels),
                                  "labels": np.array(labels)}
        if classifier is not None:
            arrays |= {"class_shares": np.stack(shares), "class_names": np.array(classifier.class_names)}
        files.append((npz_path, npz_writer(arrays), "--npz"))
    write_all(files)  # both or neither
    click.echo(f"wrote {out} ({len(labels)} x {shown} images{'' if shown == n else f', the first {shown} of {n} per row'})")
    if npz_path is not None:
        click.echo(f"wrote {npz_path} ({', '.join(arrays)})")


def _check_modes(seeds: tuple[range, ...] | None, outdir: Path | None, latents_path: Path | None) -> None:
    """Refuse options of the other job (a grid, or --seeds to a folder), and --n/--seed beside --latents."""
    context = click.get_current_context()

    def given(options: dict[str, str]) -> list[str]:
        return [flag for name, flag in options.items()
                if context.get_parameter_source(name) == click.core.ParameterSource.COMMANDLINE]

    if seeds is not None and given(GRID_OPTIONS):
        raise click.UsageError(f"--seeds writes one image per seed to --outdir; drop {', '.join(given(GRID_OPTIONS))}")
    if seeds is not None and outdir is None:
        raise click.UsageError("--seeds needs --outdir DIR, the folder for the seedNNNN files")
    if seeds is None and given(SEEDS_OPTIONS):
        named = given(SEEDS_OPTIONS)
        raise click.UsageError(f"{' and '.join(named)} {'goes' if len(named) == 1 else 'go'} only with --seeds")
    sampling = given({"n": "--n", "seed": "--seed"})
    if latents_path is not None and sampling:
        raise click.UsageError(f"--latents gives the latents; drop {' and '.join(sampling)} (they choose sampled ones)")


def _check_sizes(n: int, explain: bool, classifier_path: Path | None, perturbations: Sequence[Perturbation],
                 directions: Sequence[DirectionWalk], latents_path: Path | None = None) -> None:
    """Refuse, before any work, grids too large to read and options that would be silently ignored.

    ``latents_path``: the ``--latents`` file that gave the ``n`` latents, which the message then names.
    """
    if n > MAX_IMAGES_PER_ROW and not explain and latents_path is not None:
        raise click.BadParameter(f"{str(latents_path)!r} holds {n} latents, more than {MAX_IMAGES_PER_ROW} images per "
                                 "row, too wide to compare by eye; add --explain to count their classes (the PNG "
                                 "then shows the first --show)", param_hint="'--latents'")
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


def _open_classifier(classifier_path: Path | None, device: str, threads: int | None) -> Any:
    from ..measure.classifier import ClassifierModel

    return ClassifierModel(classifier_path, device=device, threads=threads)


def _row_shares(classifier: Any, pixels: Any) -> Any:
    from ..measure.shares import counted_shares

    return counted_shares(classifier.predict_pixels(pixels), len(classifier.class_names))


def _explain(classifier: Any, shares: Any, labels: list[str], grid: Any, n: int, in_png: bool, shown: int, cell: int) -> Any:
    """``--explain``: print each row's class shares (and with ``--explain-in-png`` write them under the rows)."""
    from ..base.pictures import caption_rows
    from ..measure.tables import format_explain_table, format_shares

    click.echo(f"classifier: {classifier.path}")
    click.echo(format_explain_table(labels, shares, classifier.class_names, n))
    if not in_png:
        return grid
    captions = [format_shares(row, classifier.class_names, top=2, short=True) for row in shares]
    return caption_rows(grid, captions, cell, shown, cell)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``gan-run``: run the command, turn every user error into one line and exit code 2.

    Examples
    --------
    >>> main(["--perturb", "71=-10,10,100", "--out", "perturb.png"])
    model: ...
    0
    """
    # gan-run's numpy work is tiny; one OpenBLAS thread instead of one per core saves its start-up
    # (docs/decisions.md). Set before numpy is first imported, and never over the user's own setting.
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    return run_command(gan_run, "gan-run", argv)


def console() -> NoReturn:
    """The ``gan-run`` console script: :func:`main` on the command line, then the process ends at once (:func:`exit_process`)."""
    exit_process(main())
