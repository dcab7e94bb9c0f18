"""``gan-run --seeds 0-31,40 --outdir DIR``: one image per seed, named by seed (StyleGAN's convention).

Seed s is always the image of ``sample_latents(1, s)[0]``, whatever the other
seeds and however they are chunked; seeds are generated and written
``SEED_CHUNK`` at a time, so memory stays bounded for any range.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Sequence

import click

from .shared import parse_ranges, resolve_model

MAX_SEEDS = 1_000_000  # files in one --outdir; a million 28 px PNGs is ~300 MB
SEED_CHUNK = 1024  # seeds generated and written together: memory stays a few MB for any range
PROGRESS_FROM = 1000  # seeds from which a progress bar is drawn (on a terminal)


def parse_seeds(text: str | tuple[range, ...]) -> tuple[range, ...]:
    """Parse StyleGAN's seed list ``0-31,40``: ranges (both ends included) and single seeds, each seed once.

    Examples
    --------
    >>> parse_seeds("0-31,40")
    (range(0, 32), range(40, 41))
    """
    if isinstance(text, tuple):
        return text
    ranges = parse_ranges(text, "seed", "e.g. 0-31,40")
    if sum(r.stop - r.start for r in ranges) > MAX_SEEDS:  # len(range) overflows past 2**63 seeds
        raise click.BadParameter(f"{text!r} is more than {MAX_SEEDS:,} seeds for one folder")
    ordered = sorted(ranges, key=lambda r: r.start)
    for before, after in zip(ordered, ordered[1:]):
        if after.start < before.stop:
            raise click.BadParameter(f"{text!r} gives seed {after.start} twice; give each seed once")
    return tuple(ranges)


def seed_file_name(seed: int, image_format: str = "png") -> str:
    """StyleGAN's name for the image of one seed: ``seed`` zero-padded to 4 digits (more when it needs them).

    Examples
    --------
    >>> seed_file_name(40), seed_file_name(123456, "npz")
    ('seed0040.png', 'seed123456.npz')
    """
    return f"seed{seed:04d}.{image_format}"


def write_seed_images(model_path: Path | None, seeds: Sequence[range], outdir: Path, image_format: str,
                      device: str = "auto", threads: int | None = None) -> None:
    """``--seeds``: one file per seed in ``outdir``, the image of ``sample_latents(1, seed)`` alone.

    Seed s is always the same image, whatever the other seeds or the chunk
    it is generated in. Seeds are generated and written ``SEED_CHUNK`` at a
    time (each chunk all or nothing, each file atomic), so memory stays
    bounded for any range; a progress bar shows on a terminal.
    """
    import itertools

    import numpy as np

    from ..base.errors import GanRuntimeError
    from ..base.files import bytes_writer, check_writable, npz_writer, write_all
    from ..base.png import encode_png
    from ..generator.model import GeneratorModel

    path, source = resolve_model(model_path)
    if outdir.exists() and not outdir.is_dir():
        raise GanRuntimeError(f"--outdir {str(outdir)!r} is a file; give a folder (it is created if missing)")
    model = GeneratorModel(path, device=device, threads=threads)
    click.echo(f"model: {path} ({source}; latent size {model.latent_dim})")
    model_file = Path(os.path.realpath(path))
    digits = model_file.name[len("seed"):-len(image_format) - 1]
    if model_file.parent == Path(os.path.realpath(outdir)) and digits.isdigit() \
            and model_file.name == seed_file_name(int(digits), image_format) and any(int(digits) in r for r in seeds):
        raise GanRuntimeError(f"--outdir {str(outdir)!r} holds the --model file under a seed's name; "
                              "writing would destroy it")
    try:
        outdir.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise GanRuntimeError(f"cannot create --outdir {str(outdir)!r}: {error.strerror or error}") from None
    check_writable(outdir / seed_file_name(seeds[0].start, image_format), "--outdir")
    count = sum(seeds_range.stop - seeds_range.start for seeds_range in seeds)
    every_seed = itertools.chain.from_iterable(seeds)
    show = sys.stderr.isatty() and count >= PROGRESS_FROM
    with click.progressbar(length=count, label="generating", file=sys.stderr) if show else _NoBar() as bar:
        while chunk := list(itertools.islice(every_seed, SEED_CHUNK)):
            latents = np.concatenate([model.sample_latents(1, seed) for seed in chunk])
            images = model.generate(latents)
            names = [outdir / seed_file_name(seed, image_format) for seed in chunk]
            if image_format == "png":
                writers = [bytes_writer(encode_png(image)) for image in images]
            else:
                writers = [npz_writer({"z": latents[i:i + 1], "images": images[i:i + 1]}) for i in range(len(chunk))]
            write_all([(name, writer, "--outdir") for name, writer in zip(names, writers)])
            bar.update(len(chunk))
    first, last = seed_file_name(seeds[0].start, image_format), seed_file_name(seeds[-1].stop - 1, image_format)
    click.echo(f"wrote {count:,} images to {outdir} ({first} ... {last})")


class _NoBar:
    """Stands in for ``click.progressbar`` when stderr is not a terminal: no bar in logs and pipes."""

    def __enter__(self) -> "_NoBar":
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def update(self, count: int) -> None:
        return None
