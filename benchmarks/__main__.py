"""``python -m benchmarks``: the command-line face of :func:`benchmarks.suite.run_benchmarks`.

Nothing heavy is imported before the options are parsed, so ``--help``
answers at once and the thread count reaches the BLAS libraries before they
load.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from .defaults import SECTIONS
from .machine import default_threads, pin_blas_threads

DEFAULT_OUT_DIR = Path("benchmarks") / "results"


def parse_sections(value: str | tuple[str, ...]) -> tuple[str, ...]:
    """``"latency,cuda"`` -> ``("latency", "cuda")``; ``"all"`` -> every section; a click option type."""
    if isinstance(value, tuple):
        return value
    names = tuple(name.strip() for name in value.split(",") if name.strip())
    if names == ("all",):
        return SECTIONS
    unknown = [name for name in names if name not in SECTIONS]
    if unknown or not names:
        raise click.BadParameter(f"unknown section(s) {', '.join(unknown) or '(none given)'}; choose from "
                                 f"{', '.join(SECTIONS)} or all")
    return names


@click.command(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.option("--quick", is_flag=True, help="Smoke run for CI: tiny budgets, proves every section runs and writes "
                                            "its results; its numbers are not for quoting.")
@click.option("--run", "run_dir", type=click.Path(path_type=Path, exists=True), default=None, metavar="DIR",
              help="A gan-train run folder (or checkpoint.pt) to benchmark  [default: train a short fresh run]")
@click.option("--out-dir", type=click.Path(path_type=Path, file_okay=False), default=DEFAULT_OUT_DIR,
              show_default=True, metavar="DIR", help="Where results.json, results.md and latency.png go.")
@click.option("--sections", type=parse_sections, default="all", show_default=True, metavar="NAME,...",
              help=f"Comma-separated subset of: {', '.join(SECTIONS)}.")
@click.option("--update", is_flag=True, help="Keep the sections not measured now from the results.json already in "
                                             "--out-dir (same machine, threads and mode), e.g. to re-measure one "
                                             "section that other processes disturbed.")
@click.option("--threads", type=click.IntRange(min=1), default=default_threads(), show_default=True,
              help="Intra-op threads for torch, onnxruntime and BLAS alike.")
def main(quick: bool, run_dir: Path | None, out_dir: Path, sections: tuple[str, ...], update: bool, threads: int) -> None:
    """Benchmark the Generator: eager PyTorch vs the ganedge runtime vs raw onnxruntime vs NumPy.

    On the same weights: latency at batch 1 to 16384 with ratios to eager
    PyTorch, the CPU's SGEMM rate, where large-batch time goes (profile),
    fp32/fp16/int8 exports, gan-run's cold start against a PyTorch script,
    training epoch time against the textbook DataLoader loop, and CUDA when a
    GPU is usable. Writes results.json, results.md (printed too) and
    latency.png; each target is judged met or MISSED. Exit code 1 when a
    section failed (its error is in the results).

    \b
    Examples:
      python -m benchmarks                          # everything, a fresh short training run
      python -m benchmarks --quick --out-dir /tmp/bench
      python -m benchmarks --run runs/latest --sections latency,precision
      python -m benchmarks --sections cuda          # on a GPU machine
      python -m benchmarks --sections training --update   # re-measure one section, keep the rest
    """
    pin_blas_threads(threads)
    from .suite import RESULTS_MD, ResultsMismatch, failed_sections, run_benchmarks

    try:
        results = run_benchmarks(sections, quick, run_dir, out_dir, threads, update=update)
    except ResultsMismatch as error:
        click.echo(f"Error: {error}", err=True)
        sys.exit(2)
    click.echo((out_dir / RESULTS_MD).read_text())
    click.echo(f"wrote {out_dir}/results.json, results.md, latency.png", err=True)
    failed = failed_sections(results)
    if failed:
        click.echo(f"Error: section(s) failed: {', '.join(failed)} (see results.json)", err=True)
        sys.exit(1)


if __name__ == "__main__":
    main(prog_name="python -m benchmarks")
