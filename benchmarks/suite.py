"""Run the selected sections on one set of weights and write results.json, results.md and latency.png.

The library face of ``python -m benchmarks``: the CLI only parses options and
calls :func:`run_benchmarks`. A section that fails is recorded as skipped
with the error, so one broken section never loses the others' numbers; the
caller learns about it from :func:`failed_sections`.
"""

from __future__ import annotations

import json
import sys
import tempfile
import time
import traceback
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable, Sequence, TextIO

from . import defaults as d
from .background import BackgroundMeter
from .machine import describe_machine, set_torch_threads

RESULTS_JSON = "results.json"
RESULTS_MD = "results.md"
LATENCY_PNG = "latency.png"
FAILED_PREFIX = "failed: "
NOT_SELECTED = "not selected (--sections)"
SGEMM_USERS = {"latency", "precision", "throughput"}


class ResultsMismatch(ValueError):
    """``--update`` was asked to merge into results from another machine, thread count or mode."""


def previous_results(out_dir: Path, machine: dict[str, Any], quick: bool) -> dict[str, Any]:
    """The results.json already in ``out_dir``, if it came from this machine, thread count and mode.

    ``--update`` re-measures some sections (one disturbed by other processes,
    say) and keeps the rest; that is only honest on the same machine.
    """
    path = out_dir / RESULTS_JSON
    if not path.is_file():
        return {}
    previous = json.loads(path.read_text())
    theirs, ours = previous.get("machine", {}), machine
    for key in ("cpu", "usable_cores", "threads"):
        if theirs.get(key) != ours.get(key):
            raise ResultsMismatch(f"{path} came from another setup ({key}: {theirs.get(key)!r}, here {ours.get(key)!r}); "
                                  "use another --out-dir or drop --update")
    if previous.get("quick") != quick:
        raise ResultsMismatch(f"{path} is a {'--quick' if previous.get('quick') else 'full'} run; "
                              "--update only merges runs of the same mode")
    return previous


def failed_sections(results: dict[str, Any]) -> list[str]:
    """Names of sections that raised (as opposed to those skipped for a reason, like no GPU)."""
    return [name for name, section in results["sections"].items()
            if str(section.get("skipped", "")).startswith(FAILED_PREFIX)]


def _read_json(path: Path) -> dict[str, Any]:
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return {}


def run_benchmarks(
    sections: Sequence[str],
    quick: bool,
    run: Path | None,
    out_dir: Path,
    threads: int,
    log: TextIO = sys.stderr,
    update: bool = False,
) -> dict[str, Any]:
    """Measure ``sections`` (names from ``defaults.SECTIONS``) and write the three result files into ``out_dir``.

    With ``update``, the sections not measured now are kept from the
    ``results.json`` already in ``out_dir`` (same machine, threads and mode
    only), each with the time it was measured.

    Examples
    --------
    >>> results = run_benchmarks(["latency"], quick=True, run=None, out_dir=Path("/tmp/b"), threads=2)   # doctest: +SKIP
    >>> sorted(results["sections"])[:2]
    ['cold-start', 'cuda']
    """
    from .cold_start import measure_cold_start
    from .cuda import measure_cuda
    from .engines import build_cpu_engines, torch_engine
    from .latency import measure_latency
    from .models import prepare_models
    from .notes import all_notes
    from .plot import plot_latency
    from .precision import measure_precisions
    from .report import render_markdown
    from .sgemm import measure_sgemm
    from .targets import evaluate_targets
    from .throughput import measure_throughput
    from .training import measure_training

    if set(sections) & SGEMM_USERS and "sgemm" not in sections:
        sections = ("sgemm", *sections)  # their shares of SGEMM must come from a rate measured in the same run
    budget = d.QUICK if quick else d.FULL
    set_torch_threads(threads)
    machine = describe_machine(threads)
    previous = previous_results(out_dir, machine, quick) if update else {}
    before = _read_json(out_dir / RESULTS_JSON)  # its targets are this run's "before" column
    now = datetime.now(timezone.utc).isoformat(timespec="seconds")
    results: dict[str, Any] = {
        "schema": d.SCHEMA,
        "created_at": now,
        "quick": quick,
        "machine": machine,
        "runtime_threads": f"{threads} (load_generator(..., threads={threads}))",
        "budget": budget.__dict__,
        "sections": {name: {"skipped": NOT_SELECTED} for name in d.SECTIONS},
        "background_cores": {},  # per section: other processes' average CPU use (cores) while it ran
        "measured_at": {},  # per section: when it was measured (they differ only after --update)
    }
    for name in d.SECTIONS:
        kept = previous.get("sections", {}).get(name, {})
        if name not in sections and kept.get("skipped") != NOT_SELECTED and name in previous.get("measured_at", {}):
            results["sections"][name] = previous["sections"][name]
            results["background_cores"][name] = previous.get("background_cores", {}).get(name)
            results["measured_at"][name] = previous["measured_at"][name]
    if previous:
        results["updated_from"] = previous.get("created_at")

    def say(message: str) -> None:
        print(f"[benchmarks] {message}", file=log, flush=True)

    with tempfile.TemporaryDirectory(prefix="ganedge-bench-") as folder:
        work = Path(folder)
        started = time.perf_counter()
        steps = d.QUICK_TRAIN_STEPS if quick else d.BENCH_TRAIN_STEPS
        say(f"preparing weights: {f'the checkpoint of {run}' if run else f'a fresh {steps}-step run'} and its exports")
        model = prepare_models(run, work, steps)
        results["model"] = model.to_dict()
        say(f"weights ready in {time.perf_counter() - started:.1f} s")
        latent_dim = model.latent_dim
        measured: dict[str, float | None] = {"sgemm_gflops": None}  # later sections express GFLOP/s as its share

        def sgemm() -> dict[str, Any]:
            section = measure_sgemm(d.QUICK_SGEMM_SIZE if quick else d.SGEMM_SIZE, budget.sgemm_repeats)
            measured["sgemm_gflops"] = section["gflops"]
            return section

        def latency() -> dict[str, Any]:
            engines = build_cpu_engines(model.checkpoint, model.exports["fp32"], threads)
            return measure_latency(engines, d.BATCH_SIZES, budget, latent_dim, measured["sgemm_gflops"])

        jobs: dict[str, Callable[[], dict[str, Any]]] = {
            "sgemm": sgemm,
            "latency": latency,
            "precision": lambda: measure_precisions(torch_engine(model.checkpoint), model.exports, threads,
                                                    d.BATCH_SIZES, budget, latent_dim, measured["sgemm_gflops"]),
            "throughput": lambda: measure_throughput(model.checkpoint, model.exports["fp32"], threads,
                                                     budget.throughput_batch, budget, latent_dim, measured["sgemm_gflops"]),
            "cold-start": lambda: measure_cold_start(model.exports["fp32"], model.checkpoint, work / "cold-start",
                                                     budget.cold_start_runs),
            "training": lambda: measure_training(budget.training_steps),
            "cuda": lambda: measure_cuda(model.checkpoint, model.exports["fp32"], d.BATCH_SIZES, budget),
        }
        for name in d.SECTIONS:
            if name not in sections:
                continue
            started = time.perf_counter()
            meter = BackgroundMeter.start()
            say(f"{name} ...")
            try:
                results["sections"][name] = jobs[name]()
            except Exception as error:  # keep the other sections' numbers; report this one as failed
                traceback.print_exc(file=log)
                results["sections"][name] = {"skipped": f"{FAILED_PREFIX}{type(error).__name__}: {error}"}
            others = meter.other_cores()
            results["background_cores"][name] = others
            results["measured_at"][name] = now
            say(f"{name} done in {time.perf_counter() - started:.1f} s"
                + (f" (other processes used {others:.2f} cores meanwhile)" if others is not None else ""))
    results["targets"] = evaluate_targets(results, before)
    results["notes"] = all_notes(results)
    write_results(results, out_dir, plot_latency, render_markdown)
    return results


def write_results(results: dict[str, Any], out_dir: Path, plot: Callable[[dict[str, Any], Path], Any],
                  render: Callable[[dict[str, Any]], str]) -> None:
    """results.json (strict JSON: no NaN or infinity), results.md and latency.png in ``out_dir``."""
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / RESULTS_JSON).write_text(json.dumps(results, indent=2, allow_nan=False) + "\n")
    (out_dir / RESULTS_MD).write_text(render(results))
    plot(results, out_dir / LATENCY_PNG)
