"""What limits each number, in sentences written from the measured profile, never from a guess.

Each function reads one section of the results and returns plain-language
findings with the numbers in them; the markdown report prints them under
"Notes", and the JSON keeps them for anyone comparing runs.
"""

from __future__ import annotations

from typing import Any

from .defaults import ENGINE_RUNTIME, ENGINE_SESSION, TARGET_EPOCH_S


def throughput_notes(section: dict[str, Any], sgemm_gflops: float | None, cache_mb: float | None) -> list[str]:
    """Where the large-batch time goes (onnxruntime node profile, NumPy steps) and which experiment helps."""
    if "variants" not in section:
        return []
    batch, output_mb = section["batch"], section["output_mb"]
    profile = section["onnxruntime_profile"]
    nodes = sorted(profile["nodes"].items(), key=lambda item: -item[1]["ms"])
    parts = ", ".join(f"{name} ({node['op']}) {node['ms']:.1f} ms ({node['share']:.0%})" for name, node in nodes)
    fits = "" if cache_mb is None else (
        f", {'more' if output_mb > cache_mb else 'less'} than the {cache_mb:.0f} MB last-level cache")
    notes = [
        f"Batch {batch}: the output is {output_mb:.0f} MB of float32{fits}. onnxruntime's own profile per run "
        f"(unfused, 'basic' level, {profile['run_ms']:.1f} ms in all): {parts}."
    ]
    steps = section["numpy_steps"]
    ms = steps["ms"]
    share = f" ({steps['gemm_only_gflops'] / sgemm_gflops:.0%} of SGEMM)" if sgemm_gflops else ""
    passes = ms["fc2 bias"] + ms["tanh"] + ms["fresh output (allocate + first touch)"]
    notes.append(
        f"The same arithmetic step by step in NumPy: the two matmuls alone, into preallocated buffers, run at "
        f"{steps['gemm_only_gflops']:.0f} GFLOP/s{share}. The passes over the output add "
        f"{passes:.1f} ms, {passes / ms['fc2 matmul']:.0%} of the fc2 matmul's {ms['fc2 matmul']:.1f} ms: fc2 bias "
        f"{ms['fc2 bias']:.1f} ms, tanh {ms['tanh']:.1f} ms, a fresh output (allocation + first touch of its pages) "
        f"{ms['fresh output (allocate + first touch)']:.1f} ms."
    )
    variants = section["variants"]
    baseline_name = "session.run, optimization=all"
    baseline = variants.get(baseline_name)
    best_name, best = max(variants.items(), key=lambda item: item[1]["gflops"])
    float_call = variants.get("runtime API, generate(output='float')")
    uint8_call = variants.get("runtime API, generate() -> uint8 pixels")
    if float_call and uint8_call:
        gap = uint8_call["median_ms"] - float_call["median_ms"]
        notes.append(
            f"The runtime's default uint8 output takes {uint8_call['median_ms']:.1f} ms against {float_call['median_ms']:.1f} ms "
            f"for its float output at batch {batch}: "
            + (f"{gap:.1f} ms more, the conversion to pixels being extra passes over the images." if gap > 0 else
               f"{-gap:.1f} ms less, a quarter of the bytes to write (when the graph computes the pixels itself).")
        )
    if baseline is not None:
        shares = (f" = {baseline['sgemm_share']:.0%} of SGEMM" if baseline["sgemm_share"] else "",
                  f" = {best['sgemm_share']:.0%}" if best["sgemm_share"] else "")
        notes.append(
            f"Experiments at batch {batch} (same run, interleaved): plain session.run {baseline['median_ms']:.1f} ms "
            f"({baseline['gflops']:.0f} GFLOP/s{shares[0]}); best: '{best_name}' {best['median_ms']:.1f} ms "
            f"({best['gflops']:.0f} GFLOP/s{shares[1]}). All variants: "
            + "; ".join(f"{name} {row['median_ms']:.1f} ms" for name, row in variants.items()) + "."
        )
    return notes


def latency_notes(section: dict[str, Any]) -> list[str]:
    """The runtime wrapper's cost at batch 1 in microseconds, and any engine that did a different job."""
    engines = section.get("engines", {})
    notes = []
    api = engines.get(ENGINE_RUNTIME, {}).get("batches", {}).get("1")
    raw = engines.get(ENGINE_SESSION, {}).get("batches", {}).get("1")
    if api and raw:
        profile = section.get("runtime_batch1_profile", [])
        where = "; ".join(f"{row['function']} {row['own_us_per_call']:.1f}" for row in profile[:6])
        notes.append(
            f"Batch 1: the runtime API takes {api['median_s'] * 1e6:.1f} us per call, raw session.run "
            f"{raw['median_s'] * 1e6:.1f} us, so the wrapper adds {(api['median_s'] - raw['median_s']) * 1e6:+.1f} us"
            + (" (below zero: timing noise)." if api["median_s"] < raw["median_s"] else ".")
            + (f" cProfile of the API call (own us per call, inflated by the profiler; it ranks, the timings measure): "
               f"{where}." if where else "")
        )
    for name, engine in engines.items():
        for batch, row in engine.get("batches", {}).items():
            if row.get("max_abs_diff_vs_torch", 0.0) > 1e-4:
                notes.append(f"{name} at batch {batch} differs from eager PyTorch by up to {row['max_abs_diff_vs_torch']:.2g}.")
    return notes


def cold_start_notes(section: dict[str, Any]) -> list[str]:
    """The cold-start profile: what each phase of both jobs costs in time and memory."""
    profile = section.get("profile")
    if not profile:
        return []
    notes = []
    for kind in ("gan-run", "pytorch-script"):
        phases = profile[kind]
        parts = ", ".join(f"{name} {seconds * 1e3:.0f} ms (RSS {phases['peak_rss_mb_after'][name]:.0f} MB after)"
                          for name, seconds in phases["seconds"].items())
        notes.append(f"Cold-start profile of {kind}, after {profile['interpreter_start_s'] * 1e3:.0f} ms of interpreter "
                     f"start: {parts}.")
    return notes


def training_notes(section: dict[str, Any]) -> list[str]:
    if "textbook" not in section:
        return []
    textbook = section["textbook"]
    whole = "one whole epoch" if section["whole_epoch"] else f"{section['steps_timed']} steps, scaled to an epoch"
    return [
        f"Training ({whole}): the textbook loop spends {textbook['dataloader_only_s']:.2f} s of its "
        f"{textbook['seconds']:.2f} s ({textbook['dataloader_share']:.0%}) just drawing batches from the DataLoader "
        f"(per-image PIL ToTensor/Normalize and collation). "
        f"ganedge's default lazy R1 ({section['ganedge_default_r1']['r1']}) takes "
        f"{section['ganedge_default_r1']['epoch_s']:.2f} s per epoch."
    ] + _training_profile_notes(section)


def _training_profile_notes(section: dict[str, Any]) -> list[str]:
    profile = section.get("ganedge_profile")
    if not profile:
        return []
    ops = "; ".join(f"{op['op']} {op['ms_per_step']:.2f}" for op in profile["top_ops"][:7])
    python_ms = profile["ms_per_step_profiled"] - profile["ops_ms_per_step"]
    return [
        f"ganedge's step, from torch.profiler over {profile['steps']} steps: {profile['ms_per_step_profiled']:.2f} ms "
        f"per step under the profiler, {profile['ops_ms_per_step']:.2f} ms of it inside ops (own ms per step: {ops}); "
        f"the remaining {python_ms:.2f} ms is Python and dispatch between ops. An epoch is "
        f"{section['steps_per_epoch']} such steps, so <= {TARGET_EPOCH_S:g} s needs "
        f"<= {TARGET_EPOCH_S * 1000 / section['steps_per_epoch']:.2f} ms per step."
    ]


def precision_notes(section: dict[str, Any]) -> list[str]:
    exports = section.get("exports", {})
    if not exports:
        return []
    big = str(max(int(b) for b in next(iter(exports.values()))["batches"]))
    parts = []
    for name, export in exports.items():
        row = export["batches"][big]
        psnr = export["psnr_db_vs_fp32_torch"]
        parts.append(f"{name} {row['speedup_vs_torch']:.2f}x eager PyTorch, PSNR "
                     + (f"{psnr:.1f} dB" if psnr is not None else "identical"))
    notes = [f"Exports at batch {big} ({section['via']}): " + "; ".join(parts) + "."]
    fp32, fp16 = exports.get("fp32"), exports.get("fp16")
    if fp32 and fp16 and fp16["batches"][big]["median_s"] > fp32["batches"][big]["median_s"]:
        notes.append(
            f"fp16 is slower than fp32 on this CPU at batch {big} ({fp16['batches'][big]['median_s'] * 1e3:.1f} vs "
            f"{fp32['batches'][big]['median_s'] * 1e3:.1f} ms): the export keeps float32 inputs and outputs, so its "
            "graph adds Cast passes over the input and the whole output; on a CPU its gain is the halved file."
        )
    return notes


def all_notes(results: dict[str, Any]) -> list[str]:
    """Every finding, section by section, for the report's Notes."""
    sections = results["sections"]
    sgemm = sections.get("sgemm", {}).get("gflops")
    notes: list[str] = []
    notes += latency_notes(sections.get("latency", {}))
    notes += throughput_notes(sections.get("throughput", {}), sgemm, results["machine"].get("last_level_cache_mb"))
    notes += precision_notes(sections.get("precision", {}))
    notes += cold_start_notes(sections.get("cold-start", {}))
    notes += training_notes(sections.get("training", {}))
    return notes
