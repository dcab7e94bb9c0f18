"""``python -m benchmarks.serving``: gan-serve under load on loopback, every level in a fresh server process.

For each server setup (dynamic batching on or off, 1 or 2 worker processes)
a fresh ``gan-serve`` is started on a free 127.0.0.1 port; bounded clients
(1, 4, 16, 64 concurrent, each one keep-alive connection sending a request,
waiting for the answer, sending the next) run for ``--seconds`` per level, for
requests of n=1 and n=64 latents, JSON and the binary tensor extension
(``binary_data=True``, what tritonclient sends), float ``image`` and uint8
``pixels`` output. Every answer is checked (status 200, the expected body
length); an error or a lost request (sent, never answered) is counted.

Where one request's time goes comes from the server's ``Server-Timing``
header (decode, inference, encode) against the latency the client saw (the
rest is HTTP and the event loop). Beside it, ``generate()`` in-process at the
same batch size, timed in this run: the reference the targets are ratios of.
Writes ``results.json``, ``results.md`` and ``serving.png`` into ``--out-dir``.
Only 127.0.0.1 is ever contacted; every loop is bounded in count and time.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import signal
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

HOST = "127.0.0.1"
CONCURRENCY = (1, 4, 16, 64)
BATCHES = (1, 64)
ENCODINGS = ("json", "binary")
OUTPUTS = ("image", "pixels")
SETUPS = {"batching, 1 worker": ["--batching"], "no batching, 1 worker": ["--no-batching"],
          "batching waiting 2 ms, 1 worker": ["--batching", "--batch-delay-ms", "2"],
          "batching, 2 workers": ["--batching", "--workers", "2"]}
MAX_REQUESTS_PER_CLIENT = 100_000  # a bound beside the time bound
TARGET_IMAGES_SHARE = 0.25  # 16 clients, n=64, binary uint8: images/s >= 25% of generate() at batch 64
TARGET_P99_S = 0.020  # 16 clients, n=1: p99 latency under 20 ms
OUT_DIR = Path(__file__).parent / "results" / "serving"


def request_bytes(n: int, encoding: str, output: str, port: int) -> bytes:
    """One HTTP/1.1 request asking for ``n`` images of seed 0 (every answer must then have the same size)."""
    binary = encoding == "binary"
    body = json.dumps({"parameters": {"seed": 0, "n": n, "binary_data_output": binary},
                       "outputs": [{"name": output, "parameters": {"binary_data": binary}}]}).encode()
    head = (f"POST /v2/models/generator/infer HTTP/1.1\r\nHost: {HOST}:{port}\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(body)}\r\n\r\n").encode()
    return head + body


async def _read_answer(reader: asyncio.StreamReader) -> tuple[int, dict[str, str], bytes]:
    status_line = await reader.readline()
    if not status_line:
        raise ConnectionError("the server closed the connection")
    status = int(status_line.split()[1])
    headers: dict[str, str] = {}
    while (line := await reader.readline()) not in (b"\r\n", b""):
        name, _, value = line.decode("latin-1").partition(":")
        headers[name.strip().lower()] = value.strip()
    return status, headers, await reader.readexactly(int(headers.get("content-length", "0")))


async def _client(port: int, request: bytes, stop_at: float, latencies: list[float], phases: list[dict[str, float]],
                  counts: dict[str, int], expected: dict[str, int]) -> None:
    reader, writer = await asyncio.open_connection(HOST, port)
    try:
        for _ in range(MAX_REQUESTS_PER_CLIENT):
            if time.perf_counter() >= stop_at:
                break
            counts["sent"] += 1
            started = time.perf_counter()
            writer.write(request)
            await writer.drain()
            try:
                status, headers, body = await _read_answer(reader)
            except (ConnectionError, asyncio.IncompleteReadError):
                counts["lost"] += 1
                break
            latencies.append(time.perf_counter() - started)
            size = expected.setdefault("size", len(body))
            if status != 200 or len(body) != size:
                counts["errors"] += 1
                continue
            counts["answered"] += 1
            phases.append({name: float(value.split("=")[1]) / 1e3 for name, value in
                           (part.strip().split(";") for part in headers.get("server-timing", "").split(",") if ";" in part)})
    finally:
        writer.close()


async def load_level(port: int, clients: int, n: int, encoding: str, output: str, seconds: float) -> dict[str, Any]:
    """``clients`` concurrent clients for ``seconds``: requests/s, images/s, p50/p99, errors, lost, server phases."""
    request = request_bytes(n, encoding, output, port)
    latencies: list[float] = []
    phases: list[dict[str, float]] = []
    counts = {"sent": 0, "answered": 0, "errors": 0, "lost": 0}
    expected: dict[str, int] = {}
    started = time.perf_counter()
    await asyncio.gather(*(_client(port, request, started + seconds, latencies, phases, counts, expected)
                           for _ in range(clients)))
    elapsed = time.perf_counter() - started
    latencies.sort()
    share = {name: statistics.fmean(p[name] for p in phases if name in p) for name in ("decode", "infer", "encode")
             if any(name in p for p in phases)} if phases else {}
    mean_latency = statistics.fmean(latencies) if latencies else None
    return {
        "clients": clients, "n": n, "encoding": encoding, "output": output, "seconds": elapsed, **counts,
        "requests_per_s": counts["answered"] / elapsed, "images_per_s": counts["answered"] * n / elapsed,
        "p50_s": latencies[len(latencies) // 2] if latencies else None,
        "p99_s": latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))] if latencies else None,
        "mean_s": mean_latency, "server_phases_s": share,
        "http_and_queue_s": (mean_latency - sum(share.values())) if mean_latency is not None and share else None,
    }


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def start_server(model: Path, extra: list[str], keep_output: bool = False) -> tuple[subprocess.Popen[bytes], int]:
    """A fresh gan-serve process on a free loopback port, ready (its stdout kept in a pipe with ``keep_output``)."""
    port = free_port()
    code = "from ganedge.runtime.commands.serve import main; raise SystemExit(main())"
    process = subprocess.Popen([sys.executable, "-c", code, "--model", str(model), "--host", HOST, "--port", str(port),
                                *extra], stdout=subprocess.PIPE if keep_output else subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with socket.create_connection((HOST, port), timeout=0.5) as sock:
                sock.sendall(f"GET /v2/health/ready HTTP/1.1\r\nHost: {HOST}\r\nConnection: close\r\n\r\n".encode())
                if b" 200 " in sock.recv(64):
                    return process, port
        except OSError:
            time.sleep(0.2)
        if process.poll() is not None:
            raise RuntimeError(f"gan-serve exited: {process.stderr.read().decode() if process.stderr else ''}")
    process.kill()
    raise RuntimeError("gan-serve did not become ready")


def in_process_rate(model: Path, batch: int, seconds: float = 2.0) -> float:
    """Images per second of ``generate()`` (uint8) in this process at ``batch``: the reference of the targets."""
    from ganedge.runtime import GeneratorModel

    generator = GeneratorModel(model, device="cpu")
    z = generator.sample_latents(batch, seed=0)
    generator.generate(z)
    calls, started = 0, time.perf_counter()
    while time.perf_counter() - started < seconds:
        generator.generate(z)
        calls += 1
    return calls * batch / (time.perf_counter() - started)


def run(model: Path, seconds: float, setups: dict[str, list[str]]) -> dict[str, Any]:
    results: dict[str, Any] = {"created_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "model": str(model),
                               "seconds_per_level": seconds, "machine": {"cpu": platform.processor() or platform.machine(),
                                                                         "cores": os.cpu_count()},
                               "in_process_images_per_s": {str(b): in_process_rate(model, b) for b in BATCHES},
                               "setups": {}}
    for name, extra in setups.items():
        levels = []
        for n in BATCHES:
            for encoding in ENCODINGS:
                for output in OUTPUTS:
                    for clients in CONCURRENCY:
                        process, port = start_server(model, extra)  # a fresh process per measurement
                        try:
                            levels.append(asyncio.run(load_level(port, clients, n, encoding, output, seconds)))
                        finally:
                            process.send_signal(signal.SIGTERM)
                            process.wait(timeout=30)
                        row = levels[-1]
                        print(f"[serving] {name}: {clients:>2} clients n={n:<2} {encoding:<6} {output:<6} "
                              f"{row['requests_per_s']:8.0f} req/s {row['images_per_s']:9.0f} img/s "
                              f"p99 {row['p99_s'] * 1e3 if row['p99_s'] else float('nan'):7.2f} ms "
                              f"errors {row['errors']} lost {row['lost']}", file=sys.stderr, flush=True)
        results["setups"][name] = levels
    results["targets"] = judge(results)
    return results


def _level(levels: list[dict[str, Any]], clients: int, n: int, encoding: str, output: str) -> dict[str, Any] | None:
    return next((row for row in levels if (row["clients"], row["n"], row["encoding"], row["output"])
                 == (clients, n, encoding, output)), None)


def judge(results: dict[str, Any]) -> list[dict[str, Any]]:
    """The serving issue's targets, per setup: no errors or lost requests; images/s share; p99."""
    judged = []
    reference = results["in_process_images_per_s"]["64"]
    for name, levels in results["setups"].items():
        clean = all(row["errors"] == 0 and row["lost"] == 0 for row in levels)
        judged.append({"setup": name, "target": "zero errors and zero lost requests at every level",
                       "measured": f"{sum(r['errors'] for r in levels)} errors, {sum(r['lost'] for r in levels)} lost",
                       "met": clean})
        big = _level(levels, 16, 64, "binary", "pixels")
        if big:
            share = big["images_per_s"] / reference
            judged.append({"setup": name, "target": f"16 clients, n=64, binary uint8: images/s >= {TARGET_IMAGES_SHARE:.0%} "
                           "of generate() in-process at batch 64", "measured": f"{share:.0%} ({big['images_per_s']:,.0f} "
                           f"vs {reference:,.0f} images/s)", "met": share >= TARGET_IMAGES_SHARE})
        small = [row for row in levels if (row["clients"], row["n"]) == (16, 1)]
        if small:
            worst = max(row["p99_s"] for row in small if row["p99_s"] is not None)
            judged.append({"setup": name, "target": f"16 clients, n=1: p99 < {TARGET_P99_S * 1e3:g} ms (worst encoding/output)",
                           "measured": f"{worst * 1e3:.2f} ms", "met": worst < TARGET_P99_S})
    return judged


def render(results: dict[str, Any]) -> str:
    lines = ["# gan-serve under load (loopback)", "",
             f"{results['seconds_per_level']:g} s per level, a fresh server process per level, model {Path(results['model']).name}; "
             f"generate() in-process: {results['in_process_images_per_s']['1']:,.0f} images/s at batch 1, "
             f"{results['in_process_images_per_s']['64']:,.0f} at batch 64.", "", "## Targets", "",
             "| setup | target | measured | status |", "|---|---|---|---|"]
    lines += [f"| {t['setup']} | {t['target']} | {t['measured']} | {'met' if t['met'] else '**MISSED**'} |"
              for t in results["targets"]]
    for name, levels in results["setups"].items():
        lines += ["", f"## {name}", "", "| clients | n | body | output | req/s | images/s | p50 ms | p99 ms | "
                  "decode / infer / encode ms | HTTP + queue ms | errors | lost |", "|" + "---|" * 12]
        for row in levels:
            phases = row["server_phases_s"]
            shown = " / ".join(f"{phases.get(k, float('nan')) * 1e3:.2f}" for k in ("decode", "infer", "encode"))
            rest = f"{row['http_and_queue_s'] * 1e3:.2f}" if row["http_and_queue_s"] is not None else "-"
            lines.append(f"| {row['clients']} | {row['n']} | {row['encoding']} | {row['output']} | {row['requests_per_s']:,.0f} | "
                         f"{row['images_per_s']:,.0f} | {row['p50_s'] * 1e3:.2f} | {row['p99_s'] * 1e3:.2f} | {shown} | {rest} | "
                         f"{row['errors']} | {row['lost']} |")
    return "\n".join(lines) + "\n"


def plot(results: dict[str, Any], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(1, 2, figsize=(12, 4.5), dpi=110)
    for name, levels in results["setups"].items():
        for n, axis in zip(BATCHES, axes):
            rows = [row for row in levels if row["n"] == n and row["encoding"] == "binary" and row["output"] == "pixels"]
            axis.plot([r["clients"] for r in rows], [r["images_per_s"] for r in rows], marker="o", label=name)
    for n, axis in zip(BATCHES, axes):
        axis.axhline(results["in_process_images_per_s"][str(n)], color="0.6", linestyle="--",
                     label=f"generate() in-process, batch {n}")
        axis.set_xscale("log", base=2)
        axis.set_xlabel("concurrent clients")
        axis.set_ylabel("images / s")
        axis.set_title(f"requests of n={n}, binary uint8 output")
        axis.legend(fontsize=7)
    figure.tight_layout()
    figure.savefig(path)
    plt.close(figure)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", type=Path, default=None, help="generator .onnx [default: the bundled one]")
    parser.add_argument("--seconds", type=float, default=10.0, help="seconds per load level")
    parser.add_argument("--setups", nargs="*", default=list(SETUPS), choices=list(SETUPS))
    parser.add_argument("--out-dir", type=Path, default=OUT_DIR)
    args = parser.parse_args(argv)
    from ganedge.runtime.models import BUNDLED_MODEL

    results = run(args.model or BUNDLED_MODEL, args.seconds, {name: SETUPS[name] for name in args.setups})
    args.out_dir.mkdir(parents=True, exist_ok=True)
    (args.out_dir / "results.json").write_text(json.dumps(results, indent=2) + "\n")
    (args.out_dir / "results.md").write_text(render(results))
    plot(results, args.out_dir / "serving.png")
    print(f"wrote {args.out_dir}/results.json, results.md, serving.png", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
