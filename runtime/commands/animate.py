"""``gan-animate``: a latent number swept, a SeFa direction walked or a loop through seeds, as one animation.

Parse the options, open the model, build the frames' latents
(:mod:`ganedge.runtime.generator.interpolate`), generate and draw one
labelled row per frame and write them as a GIF, APNG or WebP
(:mod:`ganedge.runtime.base.animation`).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import NamedTuple, NoReturn, Sequence

import click

from ..base.edit_values import check_values
from ..base.errors import GanRuntimeError
from .shared import (
    CONTEXT_SETTINGS, device_option, exit_process, model_option, parse_ranges, resolve_model, run_command,
)

DEFAULT_OUT = Path("gan-animate.gif")
DEFAULT_FRAMES = 60
DEFAULT_FPS = 15
DEFAULT_N = 8
DEFAULT_SCALE = 3
MAX_FRAMES = 1000
MAX_FPS = 50  # GIF counts in hundredths of a second and browsers slow anything faster than 50 fps down
MAX_IMAGES_PER_ROW = 64
MAX_SCALE = 16
MAX_KEYFRAMES = 64
MAX_PIXELS = 1 << 28  # all frames together, 256 M grey pixels: beyond that the file is unwatchable and memory runs out


class Sweep(NamedTuple):
    """One ``--perturb N=A:B`` or ``--direction K=A:B``: which number, from ``start`` to ``end``."""

    number: int
    start: float
    end: float


def parse_sweep(text: str | Sweep) -> Sweep:
    """Parse ``N=A:B`` (e.g. ``71=-10:10``): latent number (or direction) N from A to B; N counts from 1.

    Examples
    --------
    >>> parse_sweep("71=-10:10")
    Sweep(number=71, start=-10.0, end=10.0)
    """
    if isinstance(text, Sweep):
        return text
    number_text, equals, span = text.partition("=")
    start_text, colon, end_text = span.partition(":")
    if not equals or not colon:
        raise click.BadParameter(f"{text!r} needs the form N=A:B (e.g. 71=-10:10)")
    try:
        number = int(number_text.strip())
    except ValueError:
        number = 0
    if number < 1:
        raise click.BadParameter(f"{number_text.strip()!r} in {text!r} is not a number counted from 1")
    try:
        start, end = float(start_text), float(end_text)
    except ValueError:
        raise click.BadParameter(f"{span!r} in {text!r} is not two numbers A:B (e.g. -10:10)") from None
    try:
        start, end = check_values([start, end])
    except GanRuntimeError as error:
        raise click.BadParameter(f"{text!r}: {error}") from None
    return Sweep(number, start, end)


def parse_seed_list(text: str | tuple[int, ...]) -> tuple[int, ...]:
    """Parse ``0,1,2,3``: the seeds a loop passes through, in order (at least 2, each once).

    Examples
    --------
    >>> parse_seed_list("0, 1, 2, 3")
    (0, 1, 2, 3)
    """
    if isinstance(text, tuple):
        return text
    ranges = parse_ranges(text, "seed", "e.g. 0,1,2,3")
    if not 2 <= sum(r.stop - r.start for r in ranges) <= MAX_KEYFRAMES:  # counted before a range is expanded
        raise click.BadParameter(f"{text!r}: a loop needs 2 to {MAX_KEYFRAMES} seeds")
    seeds = tuple(seed for seeds in ranges for seed in seeds)
    if len(set(seeds)) != len(seeds):
        raise click.BadParameter(f"{text!r} repeats a seed; give each seed once")
    return seeds


@click.command(context_settings=CONTEXT_SETTINGS)
@model_option
@click.option("--perturb", type=parse_sweep, default=None, metavar="N=A:B",
              help="Sweep latent number N (counted from 1, as in the report) linearly from A to B, in all latents.")
@click.option("--direction", type=parse_sweep, default=None, metavar="K=A:B",
              help="Walk SeFa direction K (1 = largest eigenvalue): z + V * direction_K for V from A to B.")
@click.option("--seeds", type=parse_seed_list, default=None, metavar="S1,S2,...",
              help="Loop through the latents of these seeds (seed s: the --n latents of --seed s) and back, by slerp.")
@click.option("--frames", type=click.IntRange(2, MAX_FRAMES), default=DEFAULT_FRAMES, show_default=True,
              metavar="COUNT", help="Frames in the animation (a sweep includes both ends).")
@click.option("--fps", type=click.IntRange(1, MAX_FPS), default=DEFAULT_FPS, show_default=True, metavar="RATE",
              help="Frames per second.")
@click.option("--n", "n", type=click.IntRange(1, MAX_IMAGES_PER_ROW), default=DEFAULT_N, show_default=True,
              metavar="COUNT", help="Images per frame (latents per seed).")
@click.option("--seed", type=click.IntRange(min=0), default=0, show_default=True, metavar="INT",
              help="Seed of the latents that --perturb and --direction move.")
@click.option("--scale", type=click.IntRange(1, MAX_SCALE), default=DEFAULT_SCALE, show_default=True,
              metavar="FACTOR", help="Enlarge each 28 px image this many times (nearest neighbour).")
@click.option("--out", type=click.Path(path_type=Path, dir_okay=False), default=DEFAULT_OUT, show_default=True,
              metavar="FILE", help="The animation: .gif, .png (APNG) or .webp (lossless).")
@device_option
@click.version_option(package_name="ganedge", prog_name="gan-animate")
def gan_animate(model_path: Path | None, perturb: Sweep | None, direction: Sweep | None, seeds: tuple[int, ...] | None,
                frames: int, fps: int, n: int, seed: int, scale: int, out: Path, device: str) -> None:
    """Animate what a latent number, a SeFa direction or a walk between seeds does; save a GIF, APNG or WebP.

    Give exactly one of: --perturb N=A:B sweeps latent number N (counted
    from 1) from A to B over --frames frames, in the --n latents of --seed
    (the report's experiment as a film, "#71 = -3.22"); --direction K=A:B
    walks SeFa direction K additively ("dir 1 = 0.5"); --seeds S1,S2,...
    loops through the latents of those seeds and back to the first, by
    spherical interpolation ("seed 0 -> 1, t = 0.25"), which keeps every
    frame's latents as long as random ones (a straight line would pass
    through shorter, washed-out latents).

    Each frame is one labelled row, drawn like gan-run's grids, every grey
    exact (GIF with a 256-grey palette, APNG, lossless WebP); the same
    arguments give a byte-identical file. Bad input: one line on stderr, exit
    code 2, no file written.

    \b
    Examples:
      gan-animate --perturb 71=-10:10 --frames 60 --out sweep.gif
      gan-animate --direction 1=-5:5 --out direction-1.webp
      gan-animate --seeds 0,1,2,3 --frames 30 --out loop.gif
      gan-animate --seeds 0,1 --n 16 --fps 30 --frames 90 --out loop.png     # APNG
    """
    chosen = [name for name, value in (("--perturb", perturb), ("--direction", direction), ("--seeds", seeds))
              if value is not None]
    if len(chosen) != 1:
        raise click.UsageError("give exactly one of --perturb N=A:B, --direction K=A:B or --seeds S1,S2,..."
                               + (f" (got {' and '.join(chosen)})" if chosen else ""))
    context = click.get_current_context()
    if seeds is not None and context.get_parameter_source("seed") == click.core.ParameterSource.COMMANDLINE:
        raise click.UsageError("--seed picks the latents that --perturb and --direction move; with --seeds, each "
                               "seed gives its own latents: drop --seed")
    if seeds is not None and frames < len(seeds):
        raise click.BadParameter(f"{frames} frames cannot pass through {len(seeds)} seeds; a loop needs at least one "
                                 f"frame per seed: give --frames {len(seeds)} or more", param_hint="'--frames'")
    frame_pixels = n * (28 * scale + 2) * (28 * scale + 4)
    if frames * frame_pixels > MAX_PIXELS:
        raise click.UsageError(f"{frames} frames of {n} images at scale {scale} are {frames * frame_pixels / 1e6:.0f} "
                               f"M pixels, more than {MAX_PIXELS / 1e6:.0f} M; use fewer --frames, --n or a smaller "
                               "--scale")

    from ..base.animation import animation_format, animation_writer, draw_frames, frame_size
    from ..base.files import check_outputs, write_all
    from ..generator.interpolate import direction_frames, loop_frames, perturb_frames
    from ..generator.model import GeneratorModel

    fmt = animation_format(out)
    path, source = resolve_model(model_path)
    check_outputs({"--out": out}, {"--model": path})
    model = GeneratorModel(path, device=device)
    click.echo(f"model: {path} ({source}; latent size {model.latent_dim})")
    if perturb is not None:
        path_frames = perturb_frames(model.sample_latents(n, seed), perturb.number, perturb.start, perturb.end, frames)
    elif direction is not None:
        vector = model.sefa.direction(direction.number)
        path_frames = direction_frames(model.sample_latents(n, seed), vector, direction.number, direction.start,
                                       direction.end, frames)
    else:
        assert seeds is not None
        path_frames = loop_frames([model.sample_latents(n, s) for s in seeds], seeds, frames)
    labels = [frame.label for frame in path_frames]
    _check_frame_size(frame_size(labels, n, model.image_shape[1:], scale), fmt)
    rows = [model.generate(frame.latents) for frame in path_frames]
    pictures = draw_frames(rows, labels, scale=scale)
    write_all([(out, animation_writer(pictures, fps, fmt), "--out")])
    click.echo(f"wrote {out} ({frames} frames of {n} images, {pictures[0].width}x{pictures[0].height} px, {fps} fps)")


def _check_frame_size(size: tuple[int, int], fmt: str) -> None:
    """Refuse, before any frame is generated, frames wider than ``--out``'s format stores (Pillow fails at the end)."""
    from ..base.animation import check_frame_size

    try:
        check_frame_size(size, fmt)
    except GanRuntimeError as error:
        larger = "a .gif or .png (APNG)" if fmt == "WEBP" else "a .png (APNG)"
        raise click.UsageError(f"{error}; use a smaller --n or --scale, or write {larger}") from None


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``gan-animate``: run the command, turn every user error into one line and exit code 2.

    Examples
    --------
    >>> main(["--perturb", "71=-10:10", "--frames", "5", "--out", "sweep.gif"])
    model: ...
    wrote sweep.gif (5 frames of 8 images, ... px, 15 fps)
    0
    """
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # as in gan-run: tiny numpy work, no thread pool to wake
    return run_command(gan_animate, "gan-animate", argv)


def console() -> NoReturn:
    """The ``gan-animate`` console script: :func:`main` on the command line, then the process ends at once (:func:`exit_process`)."""
    exit_process(main())
