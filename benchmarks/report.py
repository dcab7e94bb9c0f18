"""``results.md``: the results as markdown tables a person reads, with the machine they came from.

Pure formatting of the results dict (nothing is measured here), so the README
can paste the file as it is and a reader sees the machine, the thread count,
every target as met or MISSED, and the notes saying what limits each number.
"""

from __future__ import annotations

from typing import Any, Callable

from .defaults import ENGINE_LABELS, ENGINE_TORCH, ENGINES

DISTURBED_SHARE = 0.10  # other processes using more than this share of the cores make a section's numbers suspect


def _ms(seconds: float) -> str:
    ms = seconds * 1e3
    return f"{ms:.3f}" if ms < 1 else f"{ms:.2f}" if ms < 100 else f"{ms:.0f}"


def _rate(value: float) -> str:
    return f"{value / 1e6:.2f} M" if value >= 1e6 else f"{value / 1e3:.1f} k" if value >= 1e3 else f"{value:.0f}"


def _table(header: list[str], rows: list[list[str]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    return lines + ["| " + " | ".join(row) + " |" for row in rows]


def machine_lines(results: dict[str, Any]) -> list[str]:
    machine = results["machine"]
    versions = ", ".join(f"{name} {version}" for name, version in machine["versions"].items())
    return [
        f"- **Machine:** {machine['cpu']}, {machine['usable_cores']} usable cores, {machine['memory_gib']} GiB; "
        f"{machine['platform']}",
        f"- **Threads:** {machine['threads']} for every engine (torch.set_num_threads, onnxruntime "
        f"intra_op_num_threads, BLAS); the runtime API: {results.get('runtime_threads', '?')}",
        f"- **Software:** Python {machine['python']}, {versions}; NumPy's BLAS: {machine['blas']}",
        f"- **Weights:** {results['model']['origin']}",
        f"- **Run:** {results['created_at']}, {'--quick (a smoke run: the numbers are not for quoting)' if results['quick'] else 'full'}"
        + _measured_at(results),
    ] + background_lines(results)


def _measured_at(results: dict[str, Any]) -> str:
    """After ``--update`` the sections come from different times; say which from when."""
    if not results.get("updated_from"):
        return ""
    times = ", ".join(f"{name} {when}" for name, when in results.get("measured_at", {}).items() if when)
    return f"; sections merged with --update, measured at: {times}"


def background_lines(results: dict[str, Any]) -> list[str]:
    """Other processes' CPU use per section, and a warning where it was enough to disturb the numbers."""
    measured = {name: cores for name, cores in results.get("background_cores", {}).items() if cores is not None}
    if not measured:
        return []
    cores = results["machine"]["usable_cores"] or 1
    disturbed = [name for name, used in measured.items() if used > DISTURBED_SHARE * cores]
    line = ("- **Background:** other processes' CPU use per section (cores on average): "
            + ", ".join(f"{name} {used:.2f}" for name, used in measured.items()))
    if disturbed:
        line += (f". **Disturbed:** {', '.join(disturbed)} ran while other processes took more than "
                 f"{DISTURBED_SHARE:.0%} of the cores; rerun those on a quiet machine before quoting them")
    return [line]


def latency_lines(section: dict[str, Any], sgemm: dict[str, Any]) -> list[str]:
    engines = [name for name in ENGINES if "batches" in section["engines"].get(name, {})]
    header = ["batch"] + [ENGINE_LABELS[name] for name in engines]
    rows = []
    for batch in section["batch_sizes"]:
        cells = [f"{batch:,}"]
        for name in engines:
            row = section["engines"][name]["batches"][str(batch)]
            ratio = "" if name == ENGINE_TORCH else f" ({row['speedup_vs_torch']:.2f}x)"
            cells.append(f"{_ms(row['median_s'])}{ratio}")
        rows.append(cells)
    lines = ["## Latency (median ms per call; speed-up over eager PyTorch)", ""] + _table(header, rows)
    detail = []
    for batch in section["batch_sizes"]:
        for name in engines:
            row = section["engines"][name]["batches"][str(batch)]
            share = f"{row['sgemm_share']:.0%}" if "sgemm_share" in row else "-"
            detail.append([f"{batch:,}", ENGINE_LABELS[name], _ms(row["median_s"]), _ms(row["p99_s"]), str(row["calls"]),
                           _rate(row["images_per_s"]), f"{row['speedup_vs_torch']:.2f}x", f"{row['gflops']:.1f}", share])
    sgemm_line = (f"SGEMM reference: {sgemm['gflops']:.0f} GFLOP/s (NumPy float32 {sgemm['size']}x{sgemm['size']} matmul, "
                  f"the fastest of {sgemm['repeats']}"
                  + (f"; torch's matmul {sgemm['torch_gflops']:.0f}" if "torch_gflops" in sgemm else "") + ").") \
        if "gflops" in sgemm else "SGEMM reference: not measured."
    return lines + ["", sgemm_line, "", "<details><summary>Every engine and batch: median, p99, calls, "
                              "images/s, GFLOP/s, share of SGEMM</summary>", ""] + _table(
        ["batch", "engine", "median ms", "p99 ms", "calls", "images/s", "vs PyTorch", "GFLOP/s", "% SGEMM"], detail) + [
        "", "</details>"]


def precision_lines(section: dict[str, Any]) -> list[str]:
    exports = section["exports"]
    batches = list(next(iter(exports.values()))["batches"])
    header = ["export", "PSNR vs fp32 PyTorch"] + [f"batch {int(b):,}" for b in batches]
    rows = []
    for name, export in exports.items():
        psnr = export["psnr_db_vs_fp32_torch"]
        rows.append([name, f"{psnr:.1f} dB" if psnr is not None else "identical"] + [
            f"{_ms(export['batches'][b]['median_s'])} ms ({export['batches'][b]['speedup_vs_torch']:.2f}x)" for b in batches])
    torch_rows = section["pytorch_eager"]
    rows.append(["eager PyTorch", "-"] + [f"{_ms(torch_rows[b]['median_s'])} ms" for b in batches])
    return [f"## Exports: fp32 vs fp16 vs int8 (median ms, speed-up over eager PyTorch; via {section['via']})", ""] + \
        _table(header, rows)


def throughput_lines(section: dict[str, Any]) -> list[str]:
    rows = [[name, f"{row['median_ms']:.1f}", f"{row['gflops']:.0f}",
             f"{row['sgemm_share']:.0%}" if row["sgemm_share"] is not None else "-"]
            for name, row in section["variants"].items()]
    profile = section["onnxruntime_profile"]
    nodes = [[name, node["op"], f"{node['ms']:.2f}", f"{node['share']:.0%}"] for name, node in profile["nodes"].items()]
    steps = [[name, f"{ms:.2f}"] for name, ms in section["numpy_steps"]["ms"].items()]
    return ([f"## Large-batch throughput: where the time goes (batch {section['batch']:,}, output {section['output_mb']:.0f} MB)",
             "", "Experiments (same weights, interleaved):", ""]
            + _table(["variant", "median ms", "GFLOP/s", "% SGEMM"], rows)
            + ["", f"onnxruntime profile per run ('basic' level, unfused; {profile['run_ms']:.1f} ms per run):", ""]
            + _table(["node", "op", "ms", "share"], nodes)
            + ["", f"NumPy, step by step (matmuls alone: {section['numpy_steps']['gemm_only_gflops']:.0f} GFLOP/s):", ""]
            + _table(["step", "ms"], steps))


def cold_start_lines(section: dict[str, Any]) -> list[str]:
    runtime, torch = section["gan-run"], section["pytorch-script"]
    rows = [
        ["`gan-run` (onnxruntime)", f"{runtime['median_wall_s']:.3f}", f"{runtime['median_peak_rss_mb']:.0f}", str(runtime["runs"])],
        ["PyTorch script (`benchmarks/torch_baseline.py`)", f"{torch['median_wall_s']:.3f}",
         f"{torch['median_peak_rss_mb']:.0f}", str(torch["runs"])],
        ["ratio", f"{section['speedup']:.1f}x faster", f"1/{1 / section['rss_ratio']:.1f}", ""],
    ]
    installed = [f"Both run on the interpreter of {section['install']}, as `pip install '.[cpu]'` gives a user.", ""] \
        if "install" in section else []
    return [f"## End to end: fresh process to a PNG of {section['images']} images (medians)", ""] + installed + \
        _table(["job", "wall s", "peak RSS MB", "runs"], rows)


def training_lines(section: dict[str, Any]) -> list[str]:
    scope = "one whole epoch" if section["whole_epoch"] else f"{section['steps_timed']} steps scaled to an epoch"
    if section.get("ganedge_epochs_timed", 1) > 1:
        scope += f"; ganedge: median of {section['ganedge_epochs_timed']} consecutive epochs"
    rows = [
        ["ganedge (`GanTrainer.run_epoch`, R1 off)", f"{section['ganedge']['epoch_s']:.2f}", f"{section['ganedge']['ms_per_step']:.2f}"],
        [f"ganedge, default R1 ({section['ganedge_default_r1']['r1']})", f"{section['ganedge_default_r1']['epoch_s']:.2f}",
         f"{section['ganedge_default_r1']['ms_per_step']:.2f}"],
        ["textbook: torchvision FashionMNIST + DataLoader", f"{section['textbook']['epoch_s']:.2f}",
         f"{section['textbook']['ms_per_step']:.2f}"],
        ["ratio (textbook / ganedge)", f"{section['speedup']:.1f}x", ""],
    ]
    return [f"## Training speed (batch {section['batch_size']}, {scope})", ""] + _table(["loop", "epoch s", "ms/step"], rows)


def cuda_lines(section: dict[str, Any]) -> list[str]:
    lines = ["## CUDA", ""]
    rows = []
    for library in ("torch", "onnxruntime"):
        part = section.get(library, {})
        if "skipped" in part:
            lines.append(f"- {library}: skipped, {part['skipped']}")
            continue
        for batch, row in part.get("batches", {}).items():
            rows.append([library, f"{int(batch):,}", _ms(row["compute"]["median_s"]), _ms(row["host_to_device"]["median_s"]),
                         _ms(row["device_to_host"]["median_s"]), _rate(row["compute"]["images_per_s"])])
    if rows:
        device = section.get("torch", {}).get("device", "GPU")
        lines += ["", f"{device}; compute synchronised, inputs and outputs on the device (onnxruntime with IO binding); "
                  "copies timed apart (pageable host memory).", ""]
        lines += _table(["library", "batch", "compute ms", "host->device ms", "device->host ms", "images/s (compute)"], rows)
    return lines


def targets_lines(targets: list[dict[str, Any]], cores: int) -> list[str]:
    rows = []
    for t in targets:
        status = t["status"] if t["status"] != "MISSED" else "**MISSED**"
        others = t.get("background_cores")
        if others is not None and others > DISTURBED_SHARE * cores and t["status"] != "not measured":
            status += f" (disturbed: others used {others:.1f} cores)"
        rows.append([t["target"], t.get("before", "-"), t["shown"], status])
    return (["## Targets (ratios from this run; before: the previous results file)", ""]
            + _table(["target", "before", "measured", "status"], rows))


def render_markdown(results: dict[str, Any]) -> str:
    """The whole report: machine, targets, one table per section (or why it was skipped), notes.

    Examples
    --------
    >>> print(render_markdown(results)[:40])   # doctest: +SKIP
    # ganedge benchmarks
    """
    sections = results["sections"]
    renderers: dict[str, Callable[[dict[str, Any]], list[str]]] = {
        "latency": lambda s: latency_lines(s, sections.get("sgemm", {})),
        "precision": precision_lines,
        "throughput": throughput_lines,
        "cold-start": cold_start_lines,
        "training": training_lines,
        "cuda": cuda_lines,
    }
    lines = ["# ganedge benchmarks", ""] + machine_lines(results) + [""] + targets_lines(results["targets"], results["machine"]["usable_cores"] or 1)
    for name, render in renderers.items():
        section = sections.get(name, {})
        lines.append("")
        if "skipped" in section:
            lines += [f"## {name}", "", f"Skipped: {section['skipped']}"]
        elif section:
            lines += render(section)
    if results.get("notes"):
        lines += ["", "## Notes (from the profiles above)", ""] + [f"- {note}" for note in results["notes"]]
    return "\n".join(lines) + "\n"
