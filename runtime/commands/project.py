"""``gan-project``: find the latent whose image best reproduces a picture, a thin layer over
:func:`~ganedge.runtime.generator.projection.project`.

Read the target (a picture file, or test images of FashionMNIST), project it
(numpy Adam from several starts, the generator's weights read from its
``.onnx``), print the PSNR (and, for test images, whether the measuring
classifier still sees the true label), save the latents (``.npz``/``.npy``)
and optionally a PNG of target | projection pairs.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, NoReturn, Sequence

import click

from .shared import (
    CONTEXT_SETTINGS, classifier_option, exit_process, model_option, parse_ranges, resolve_model, run_command,
)

DEFAULT_OUT = Path("projection.npz")
DEFAULT_RESTARTS = 32  # projection.DEFAULT_RESTARTS (that module imports numpy; --help must not wait for it)
DEFAULT_STEPS = 600  # projection.DEFAULT_STEPS
MAX_RESTARTS = 256
MAX_STEPS = 100_000
MAX_PNG_ROWS = 64  # pairs drawn in --png; more rows cannot be looked at
PRINTED_PSNR = 8  # reconstructions whose PSNR is printed one by one; the median covers them all
TEST_SIZE = 10_000  # FashionMNIST's test split
SCALE = 3


def parse_test_indices(text: str | range) -> range:
    """Parse ``I`` or ``A-B`` (both included): images of FashionMNIST's test split, counted from 0.

    Examples
    --------
    >>> parse_test_indices("0-99")
    range(0, 100)
    """
    if isinstance(text, range):
        return text
    ranges = parse_ranges(text, "test image", "e.g. 7 or 0-99")
    if len(ranges) != 1 or ranges[0].stop > TEST_SIZE:
        raise click.BadParameter(f"{text!r}: give one image I or one range A-B of the test split's images 0 to "
                                 f"{TEST_SIZE - 1}, counted from 0")
    return ranges[0]


@click.command(context_settings=CONTEXT_SETTINGS)
@click.argument("picture", type=click.Path(path_type=Path, dir_okay=False, exists=True), required=False,
                metavar="[PICTURE]")
@model_option
@click.option("--test-index", "test_indices", type=parse_test_indices, default=None, metavar="I|A-B",
              help="Project image I (or images A to B) of FashionMNIST's test split instead of a PICTURE.")
@click.option("--data-dir", type=click.Path(path_type=Path, file_okay=False), default=None, metavar="DIR",
              help="Folder with the FashionMNIST *-ubyte.gz files  [default: Debian's, else the download cache]")
@click.option("--invert", type=click.Choice(["auto", "yes", "no"]), default="auto", show_default=True,
              help="PICTURE only: FashionMNIST garments are light on black; auto inverts a picture whose border is "
                   "light (a photo on white).")
@click.option("--restarts", type=click.IntRange(1, MAX_RESTARTS), default=DEFAULT_RESTARTS, show_default=True,
              metavar="COUNT", help="Random starting latents per image; the best is kept.")
@click.option("--steps", type=click.IntRange(0, MAX_STEPS), default=DEFAULT_STEPS, show_default=True, metavar="COUNT",
              help="Adam steps from each start.")
@click.option("--seed", type=click.IntRange(min=0), default=0, show_default=True, metavar="INT",
              help="Seed of the starting latents; the same seed gives the same result.")
@click.option("--out", type=click.Path(path_type=Path, dir_okay=False), default=DEFAULT_OUT, show_default=True,
              metavar="FILE.npz|FILE.npy",
              help="An .npz of z [n, latent], reconstruction and target uint8 [n, 28, 28], psnr_db [n] (and "
                   "test_index, label, predicted); or an .npy of z alone.")
@click.option("--png", "png_path", type=click.Path(path_type=Path, dir_okay=False), default=None, metavar="FILE.png",
              help=f"Also draw each target beside its projection, one pair per row (the first {MAX_PNG_ROWS}).")
@classifier_option("Measuring classifier .onnx that checks the projections of test images keep their label  "
                   "[default: the bundled one]")
@click.version_option(package_name="ganedge", prog_name="gan-project")
def gan_project(picture: Path | None, model_path: Path | None, test_indices: range | None, data_dir: Path | None,
                invert: str, restarts: int, steps: int, seed: int, out: Path, png_path: Path | None,
                classifier_path: Path | None) -> None:
    """Project a picture into the generator: find the latent z whose image is closest to it.

    The target is a PICTURE (PNG, JPEG, any size) or --test-index I (or a
    range A-B) of FashionMNIST's test split. A picture is made to look like
    FashionMNIST: EXIF rotation applied, transparency over white,
    grayscale, inverted when its border is light (--invert), its longest
    edge resized to 28 px (Lanczos) and centred on black.

    The generator's weights are read from the .onnx itself (an fp32 export
    of the report's MLP) and checked against onnxruntime; the gradient is
    computed in numpy, no PyTorch. Each image starts from --restarts random
    latents, takes --steps Adam steps minimising the pixel error plus a prior
    that keeps |z|^2 near the latent size; the best few are polished
    (Levenberg-Marquardt) and the best of them kept.

    Prints the PSNR of the first 8 reconstructions (dB; a generated image
    comes back at over 40 dB), the median PSNR of all and, for test images,
    the share the measuring classifier still gives their true label (the
    .npz holds every PSNR). The latents feed gan-run: gan-run
    --latents projection.npz --perturb 71=-10,10,100. Bad input: one line on
    stderr, exit code 2, no file written.

    \b
    Examples:
      gan-project shirt.jpg --png shirt-projected.png       # -> projection.npz
      gan-project --test-index 7 --out z.npz
      gan-run --latents z.npz --perturb 71=-10,10,100         # the report's experiment on it
      gan-project --test-index 0-99 --out test100.npz         # median PSNR, labels kept
      gan-project --test-index 0-7 --png projections.png --restarts 64
    """
    if (picture is None) == (test_indices is None):
        raise click.UsageError("give a PICTURE or --test-index I (not both)")
    context = click.get_current_context()
    given = {name for name in ("invert", "data_dir", "classifier_path")
             if context.get_parameter_source(name) == click.core.ParameterSource.COMMANDLINE}
    if picture is not None and given & {"data_dir", "classifier_path"}:
        raise click.UsageError("--data-dir and --classifier are for --test-index; a PICTURE has no label to check")
    if test_indices is not None and "invert" in given:
        raise click.UsageError("--invert is for a PICTURE; test images are already FashionMNIST's own")
    if out.suffix not in (".npz", ".npy"):
        raise click.BadParameter(f"{str(out)!r} must end in .npz (z, images, PSNR) or .npy (z alone)",
                                 param_hint="'--out'")
    import time

    import numpy as np

    from ..base.files import check_outputs, npz_writer, write_all
    from ..generator.model import GeneratorModel
    from ..generator.projection import project, read_picture

    path, source = resolve_model(model_path)
    check_outputs({"--out": out, "--png": png_path},
                  {"--model": path, "PICTURE": picture, "--classifier": classifier_path})
    model = GeneratorModel(path, device="cpu")
    click.echo(f"model: {path} ({source}; latent size {model.latent_dim})")
    if picture is not None:
        _, height, width = model.image_shape
        targets = read_picture(picture, (width, height), invert)[None]  # type: ignore[arg-type]
        labels, names = None, [picture.name]
    else:
        assert test_indices is not None
        targets, labels = _test_images(data_dir, test_indices)
        names = [f"test {i}" for i in test_indices]
    classifier = _open_classifier(classifier_path) if labels is not None else None  # refused before the work
    started = time.perf_counter()
    result = project(model, targets, restarts=restarts, steps=steps, seed=seed)
    seconds = (time.perf_counter() - started) / len(targets)
    arrays: dict[str, Any] = result.arrays()
    for name, psnr in list(zip(names, result.psnr_db))[:PRINTED_PSNR]:
        click.echo(f"{name}: PSNR {psnr:.2f} dB")
    summary = f"{len(targets)} image{'s' * (len(targets) > 1)}: median PSNR {np.median(result.psnr_db):.2f} dB, " \
              f"{seconds:.2f} s per image ({restarts} starts x {steps} steps)"
    if classifier is not None:
        predicted = classifier.predict_pixels(result.reconstructions)
        classifier_file = "--classifier" if classifier_path else "the bundled classifier"
        arrays |= {"test_index": np.array(test_indices), "label": labels, "predicted": predicted}
        summary += f"; {np.mean(predicted == labels):.0%} classified as their true label ({classifier_file})"
    click.echo(summary)
    files = [(out, npz_writer(arrays) if out.suffix == ".npz" else _npy_writer(result.latents), "--out")]
    if png_path is not None:
        files.append((png_path, _pairs_png(model, result, names), "--png"))
    write_all(files)
    click.echo(f"wrote {out}" + (f" and {png_path}" if png_path is not None else ""))


def _test_images(data_dir: Path | None, indices: range) -> tuple[Any, Any]:
    import numpy as np

    from ..base.dataset import find_data_dir, read_split

    split = read_split(find_data_dir(data_dir), "test")
    return split.images[indices.start:indices.stop].copy(), split.labels[indices.start:indices.stop].astype(np.int64)


def _open_classifier(classifier_path: Path | None) -> Any:
    """The measuring classifier (``None``: the bundled one), opened before projecting: a bad file costs no wait."""
    from ..measure.classifier import ClassifierModel

    return ClassifierModel(classifier_path, device="cpu")


def _npy_writer(latents: Any) -> Any:
    import numpy as np

    def write(tmp_name: str) -> None:
        with open(tmp_name, "wb") as stream:
            np.lib.format.write_array(stream, latents, allow_pickle=False)

    return write


def _pairs_png(model: Any, result: Any, names: list[str]) -> Any:
    """Target | projection, one pair per row, labelled with the image's name and PSNR."""
    from ..base.pictures import png_writer

    shown = range(min(len(names), MAX_PNG_ROWS))
    rows = [result.targets[i:i + 1].repeat(2, axis=0) for i in shown]
    for i, row in zip(shown, rows):
        row[1] = result.reconstructions[i]
    labels = [f"{names[i]}: {result.psnr_db[i]:.1f} dB" for i in shown]
    return png_writer(model.render(rows, labels, scale=SCALE))


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``gan-project``: run the command, turn every user error into one line and exit code 2.

    Examples
    --------
    >>> main(["--test-index", "0", "--restarts", "4", "--steps", "100", "--out", "z.npz"])
    model: ...
    test 0: PSNR ... dB
    1 image: median PSNR ... dB, ... s per image (4 starts x 100 steps); ... classified as their true label (...)
    wrote z.npz
    0
    """
    # The projection's matrices are small ([starts, 784]): one OpenBLAS thread beats waking a pool at every step
    # (15 us per start and step on 2 cores against 37 us and more with two threads). Set before numpy is imported.
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    return run_command(gan_project, "gan-project", argv)


def console() -> NoReturn:
    """The ``gan-project`` console script: :func:`main` on the command line, then the process ends at once (:func:`exit_process`)."""
    exit_process(main())
