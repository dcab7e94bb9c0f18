"""``gan-export``: the command-line face of :func:`ganedge.export.exporter.export_generator`.

torch and onnx are imported only when exporting starts, so ``--help`` answers at once.
"""

from __future__ import annotations

from pathlib import Path
from typing import Sequence

import click

from ganedge.runtime.commands.shared import CONTEXT_SETTINGS, run_command

from .defaults import ATOL_FOR_VALIDATION, DEFAULT_ONNX_OPSET, DEFAULT_PRECISION, MAX_ONNX_OPSET, MIN_ONNX_OPSET, PRECISIONS


@click.command(context_settings=CONTEXT_SETTINGS)
@click.option("--checkpoint", type=click.Path(path_type=Path, dir_okay=False), default=None, metavar="PATH", help="checkpoint.pt to export  [default: runs/latest/checkpoint.pt]")
@click.option("--run", "run_dir", type=click.Path(path_type=Path, file_okay=False), default=None, metavar="DIR", help="Run folder whose checkpoint.pt to export.")
@click.option("--out", type=click.Path(path_type=Path, dir_okay=False), default=None, metavar="FILE.onnx", help="Output file  [default: generator.onnx (or generator-fp16/-int8.onnx) beside the checkpoint]")
@click.option("--opset", type=click.IntRange(MIN_ONNX_OPSET, MAX_ONNX_OPSET), default=DEFAULT_ONNX_OPSET, show_default=True, help=f"ONNX opset of the default domain ({MIN_ONNX_OPSET}-{MAX_ONNX_OPSET}); the saved file is checked to have exactly this one.")
@click.option("--precision", type=click.Choice(PRECISIONS), default=DEFAULT_PRECISION, show_default=True, help="fp16/int8 keep float32 inputs and outputs; judged by PSNR against fp32 PyTorch.")
@click.option("--classifier", "classifier_checkpoint", type=click.Path(path_type=Path, dir_okay=False), default=None, metavar="PATH", help="Export this measuring classifier (classifier.pt from gan-train-classifier) instead of a generator.")
@click.option("--atol", type=float, default=ATOL_FOR_VALIDATION, show_default=True, help="fp32 tolerance: max |onnxruntime - PyTorch| allowed.")
def gan_export(checkpoint: Path | None, run_dir: Path | None, out: Path | None, opset: int, precision: str,
         classifier_checkpoint: Path | None, atol: float) -> None:
    """Export a trained Generator to ONNX, validated against PyTorch and self-describing.

    Runs the file in onnxruntime (CPU) on fixed latents at batch sizes 1, 7
    and 256 and compares with PyTorch: fp32 must agree within --atol, fp16
    and int8 are held to a PSNR floor (50 and 35 dB). A file that fails is
    not written (exit code 1). The file carries everything gan-run needs as
    metadata: latent size, image shape, value range, training summary,
    checkpoint sha256 and these validation figures.

    \b
    Examples:
      gan-export --opset 17                      # runs/latest -> runs/latest/generator.onnx
      gan-export --run runs/seed1 --precision int8
      gan-export --checkpoint ckpt.pt --out my-generator.onnx
      gan-export --classifier runs/classifier/classifier.pt
    """
    try:
        from .exporter import export_generator, resolve_checkpoint
        from .validate import format_figures
    except ImportError as error:
        raise click.UsageError(f"gan-export needs the training extra ({error.name} is missing): pip install 'ganedge[train]'")
    if classifier_checkpoint is not None and (checkpoint or run_dir or precision != DEFAULT_PRECISION):
        raise click.UsageError("--classifier exports the classifier alone: drop --checkpoint, --run and --precision")
    if classifier_checkpoint is not None:
        from .classifier import export_classifier

        click.echo(f"exporting the classifier of {classifier_checkpoint} (opset {opset})")
        result = export_classifier(classifier_checkpoint, out, opset)
        click.echo("validated against PyTorch (onnxruntime CPU): " + ", ".join(
            f"{name.replace('_', ' ')}: logits {v['logits_max_abs_diff']:.1e}, features {v['features_max_abs_diff']:.1e}"
            for name, v in result.figures.items()))
        click.echo(f"wrote {result.path} ({result.size_bytes / 1024:.0f} KiB, opset {result.opset})")
        return
    source = resolve_checkpoint(checkpoint, run_dir)
    click.echo(f"exporting the generator of {source} (opset {opset}, {precision})")
    result = export_generator(source, out, opset, precision, atol)
    click.echo(f"validated against PyTorch (onnxruntime CPU):\n{format_figures(result.figures)}")
    click.echo(f"wrote {result.path} ({result.size_bytes / 1024:.0f} KiB, opset {result.opset}, {result.precision})")


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``gan-export``: user errors are one line and exit 2; a failed validation exits 1, no file written.

    Examples
    --------
    >>> main(["--opset", "11"])
    2
    """
    return run_command(gan_export, "gan-export", argv)
