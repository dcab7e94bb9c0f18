"""``python -m benchmarks --quick``: it runs and writes well-formed results. No timing is asserted."""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path
from typing import Any, Iterator

import pytest

# The contract of results.json, stated here rather than imported from the package under test.
SECTIONS = ("sgemm", "latency", "precision", "throughput", "cold-start", "training", "cuda")
ENGINES = ("pytorch-eager", "pytorch-eager-pixels", "ganedge-runtime", "ganedge-runtime-float", "ort-session-run", "numpy-blas")
BATCH_SIZES = (1, 8, 64, 1024, 16384)
PRECISIONS = ("fp32", "fp16", "int8")
REPO_ROOT = Path(__file__).resolve().parent.parent
QUICK_LIMIT_S = 300  # a hang guard, not a timing assertion (the quick run takes well under 90 s)
TIMING_FIELDS = ("median_s", "p99_s", "images_per_s", "gflops", "speedup_vs_torch")


@pytest.fixture(scope="module")
def quick_run(real_data_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, subprocess.CompletedProcess[str]]:
    out_dir = tmp_path_factory.mktemp("bench")
    done = subprocess.run([sys.executable, "-m", "benchmarks", "--quick", "--out-dir", str(out_dir)],
                          cwd=REPO_ROOT, capture_output=True, text=True, timeout=QUICK_LIMIT_S, check=False)
    return out_dir, done


@pytest.fixture(scope="module")
def results(quick_run: tuple[Path, subprocess.CompletedProcess[str]]) -> dict[str, Any]:
    out_dir, _ = quick_run
    return json.loads((out_dir / "results.json").read_text())


def _numbers(node: Any) -> Iterator[float]:
    if isinstance(node, dict):
        for value in node.values():
            yield from _numbers(value)
    elif isinstance(node, list):
        for value in node:
            yield from _numbers(value)
    elif isinstance(node, (int, float)) and not isinstance(node, bool):
        yield float(node)


def test_quick_run_exits_cleanly(quick_run: tuple[Path, subprocess.CompletedProcess[str]]) -> None:
    _, done = quick_run
    assert done.returncode == 0, done.stderr[-3000:]


def test_quick_run_writes_json_markdown_and_plot(quick_run: tuple[Path, subprocess.CompletedProcess[str]]) -> None:
    out_dir, done = quick_run
    markdown = (out_dir / "results.md").read_text()
    assert "## Targets" in markdown and "## Latency" in markdown
    assert markdown in done.stdout  # the table is printed too
    assert (out_dir / "latency.png").read_bytes().startswith(b"\x89PNG")


def test_results_name_the_machine_and_thread_count(results: dict[str, Any]) -> None:
    machine = results["machine"]
    assert machine["cpu"] and machine["threads"] >= 1
    assert {"torch", "onnxruntime", "numpy"} <= set(machine["versions"])
    assert results["quick"] is True


def test_every_section_is_present_or_skipped_with_a_reason(results: dict[str, Any]) -> None:
    assert set(results["sections"]) == set(SECTIONS)
    for name, section in results["sections"].items():
        assert section, name
        if "skipped" in section:
            assert name == "cuda", f"{name} skipped: {section['skipped']}"
            assert section["skipped"].strip()


def test_latency_has_every_engine_at_every_batch_size(results: dict[str, Any]) -> None:
    engines = results["sections"]["latency"]["engines"]
    assert set(engines) == set(ENGINES)
    for name in ENGINES:
        assert sorted(int(b) for b in engines[name]["batches"]) == sorted(BATCH_SIZES), name
        for batch, row in engines[name]["batches"].items():
            assert row["calls"] >= 1
            for field in TIMING_FIELDS:
                assert row[field] > 0, (name, batch, field)


def test_every_export_has_speed_and_psnr(results: dict[str, Any]) -> None:
    exports = results["sections"]["precision"]["exports"]
    assert set(exports) == set(PRECISIONS)
    for name in ("fp16", "int8"):
        assert exports[name]["psnr_db_vs_fp32_torch"] > 0
    for export in exports.values():
        assert sorted(int(b) for b in export["batches"]) == sorted(BATCH_SIZES)


def test_sections_hold_positive_measurements(results: dict[str, Any]) -> None:
    sections = results["sections"]
    assert sections["sgemm"]["gflops"] > 0
    assert sections["throughput"]["variants"] and sections["throughput"]["onnxruntime_profile"]["nodes"]
    for job in ("gan-run", "pytorch-script"):
        assert sections["cold-start"][job]["median_wall_s"] > 0
        assert sections["cold-start"][job]["median_peak_rss_mb"] > 0
    for loop in ("ganedge", "textbook"):
        assert sections["training"][loop]["epoch_s"] > 0
    for name in ("sgemm", "latency", "precision", "throughput", "cold-start", "training"):
        assert all(math.isfinite(value) for value in _numbers(sections[name])), name


def test_every_target_is_judged(results: dict[str, Any]) -> None:
    assert results["targets"]
    for target in results["targets"]:
        assert target["status"] in ("met", "MISSED"), target


def test_cuda_section_measures_or_says_why_not(results: dict[str, Any]) -> None:
    cuda = results["sections"]["cuda"]
    if "skipped" in cuda:
        assert "torch" in cuda["skipped"] and "onnxruntime" in cuda["skipped"]
    else:
        assert {"torch", "onnxruntime"} <= set(cuda)


def test_the_default_uint8_call_is_timed_against_pytorch_doing_the_same_job(results: dict[str, Any]) -> None:
    engines = results["sections"]["latency"]["engines"]
    for batch, row in engines["ganedge-runtime"]["batches"].items():
        baseline = engines["pytorch-eager-pixels"]["batches"][batch]["median_s"]
        assert row["speedup_vs_torch"] == pytest.approx(baseline / row["median_s"])
        assert row["max_grey_levels_vs_torch"] <= 1  # the same pixels, to one grey level


def test_every_target_shows_the_figure_before_this_run(results: dict[str, Any]) -> None:
    assert all("before" in target for target in results["targets"])
