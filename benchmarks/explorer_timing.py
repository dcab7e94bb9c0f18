"""``python -m benchmarks.explorer_timing``: the gan-serve explorer's speed in headless Chromium, and its screenshots.

Starts ``gan-serve`` with the bundled model on a free port, opens the page in
Debian's Chromium through Playwright and measures what a user waits for:

- load: navigation start to the first grid drawn (``window.ganedge.timings.
  loadToFirstGridMs``), each load in a fresh browser context (empty cache: the
  14 MB wasm comes over the loopback every time), median of ``--loads``;
- slider: a move of SeFa direction 1's slider to the live row redrawn (8
  latents through the generator, the canvas drawn; ``timings.lastLiveMs``,
  from the input event), and to its class shares shown (8 images through the
  classifier after that, a job of its own), median of ``--moves`` moves;
- beside them the Python runtime on the same 8 latents: ``generate`` alone and
  ``generate`` + ``predict_pixels`` (the slider's work), median of many calls.

Then it takes ``docs/explorer.png`` (1280x800, the report's ``#71``
experiment) and ``docs/explorer-phone.png`` (390 px wide, 2x pixel density);
``--screenshots-only`` remakes just those.

    python -m benchmarks.explorer_timing                    # timings printed, screenshots written
    python -m benchmarks.explorer_timing --screenshots-only
    python -m benchmarks.explorer_timing --json explorer.json --moves 50
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, Iterator

import click
import numpy as np

CHROMIUM = Path(os.environ.get("GANEDGE_CHROMIUM", "/usr/bin/chromium"))
DOCS = Path(__file__).resolve().parents[1] / "docs"
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}
# The report's experiment, with the sliders set so the live row shows something the grid does not.
SCREENSHOT_QUERY = "?seed=0&n=8&perturb=71:-10,10,100&live=71:4&livedir=1:-2"
BATCH = 8
PYTHON_CALLS = 300


@contextlib.contextmanager
def running_server(*args: str) -> Iterator[str]:
    """``gan-serve`` on a free loopback port until the block ends; yields its origin once it answers."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    code = "from ganedge.runtime.commands.serve import main; raise SystemExit(main(%r))" % (["--port", str(port), *args],)
    process = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    origin = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                raise click.ClickException(f"gan-serve exited with {process.returncode}: {process.stderr.read().strip()}")
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=1) as probe:
                probe.sendall(b"GET /v2/health/ready HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
                if probe.recv(64).startswith(b"HTTP/1.1 200"):
                    break
            if time.monotonic() > deadline:
                raise click.ClickException("gan-serve did not answer within 60 s")
            time.sleep(0.1)
        yield origin
    finally:
        process.terminate()
        process.wait(timeout=15)


def open_page(browser: Any, url: str, viewport: dict[str, int], scale: float = 1) -> tuple[Any, Any, list[str]]:
    """A fresh context and page at ``url``, waited until the first grid is drawn; console errors are collected."""
    context = browser.new_context(viewport=viewport, device_scale_factor=scale)
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda message: message.type == "error" and errors.append(message.text))
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(url)
    page.evaluate("window.ganedge.ready")
    return context, page, errors


SLIDER_MOVES_JS = """async (moves) => {
  const slider = document.getElementById("dir-slider-1");
  const samples = [];
  for (let i = 0; i < moves; i++) {
    const started = performance.now();
    slider.value = String(-5 + (i % 11));  // every move changes the value
    slider.dispatchEvent(new Event("input", { bubbles: true }));
    await window.ganedge.idle();
    const timings = window.ganedge.timings, phases = timings.phasesMs;
    samples.push([timings.lastLiveMs, performance.now() - started, phases.live.generator, phases.live.classifier,
                  phases.paint]);
  }
  return samples;
}"""


def browser_timings(browser: Any, origin: str, loads: int, moves: int) -> dict[str, Any]:
    """Load and slider times in milliseconds (medians and every sample)."""
    load_ms, errors = [], []
    for _ in range(loads):
        context, page, page_errors = open_page(browser, f"{origin}/?seed=0&n={BATCH}", DESKTOP)
        load_ms.append(page.evaluate("window.ganedge.timings.loadToFirstGridMs"))
        errors += page_errors
        context.close()
    context, page, page_errors = open_page(browser, f"{origin}/?seed=0&n={BATCH}", DESKTOP)
    page.evaluate(SLIDER_MOVES_JS, 5)  # warm-up: the first runs of a session compile and allocate
    samples = np.array(page.evaluate(SLIDER_MOVES_JS, moves))
    threads, isolated = page.evaluate("[ort.env.wasm.numThreads, crossOriginIsolated]")
    errors += page_errors
    context.close()
    redraw, with_shares, generator, classifier, paint = (float(v) for v in np.median(samples, axis=0))
    return {"load_to_first_grid_ms": float(np.median(load_ms)), "load_samples_ms": load_ms,
            "slider_to_redraw_ms": redraw, "slider_samples_ms": samples[:, 0].tolist(),
            "slider_to_shares_ms": with_shares, "slider_shares_samples_ms": samples[:, 1].tolist(),
            "slider_phases_median_ms": {"generator": generator, "classifier": classifier, "paint": paint},
            "wasm_threads": threads, "cross_origin_isolated": isolated, "console_errors": errors}


def python_timings(calls: int) -> dict[str, float]:
    """The Python runtime on the page's 8 latents: generate alone, and generate + classify (the slider's work)."""
    from ganedge.runtime.generator.model import GeneratorModel
    from ganedge.runtime.measure.classifier import ClassifierModel

    model, classifier = GeneratorModel(device="cpu"), ClassifierModel(device="cpu")
    z = model.sample_latents(BATCH, 0)
    for _ in range(20):
        classifier.predict_pixels(model.generate(z))

    def median_ms(job: Any) -> float:
        samples = []
        for _ in range(calls):
            started = time.perf_counter()
            job()
            samples.append(time.perf_counter() - started)
        return float(np.median(samples) * 1e3)

    return {"generate_8_ms": median_ms(lambda: model.generate(z)),
            "generate_and_classify_8_ms": median_ms(lambda: classifier.predict_pixels(model.generate(z)))}


def take_screenshots(browser: Any, origin: str, docs: Path) -> list[Path]:
    """docs/explorer.png (1280x800) and docs/explorer-phone.png (390 px wide at 2x): the report's #71 experiment."""
    written = []
    for name, viewport, scale in (("explorer.png", DESKTOP, 1), ("explorer-phone.png", PHONE, 2)):
        context, page, errors = open_page(browser, f"{origin}/{SCREENSHOT_QUERY}", viewport, scale)
        if errors:
            raise click.ClickException(f"the page logged errors: {errors}")
        page.evaluate("document.activeElement && document.activeElement.blur()")
        page.screenshot(path=str(docs / name))
        written.append(docs / name)
        context.close()
    return written


@click.command(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--loads", type=click.IntRange(1, 50), default=5, show_default=True, metavar="N",
              help="Fresh page loads timed (median reported).")
@click.option("--moves", type=click.IntRange(1, 1000), default=30, show_default=True, metavar="N",
              help="Slider moves timed (median reported).")
@click.option("--docs", "docs", type=click.Path(path_type=Path, file_okay=False), default=DOCS, show_default=True,
              metavar="DIR", help="Where the screenshots go.")
@click.option("--screenshots-only", is_flag=True, help="Only remake docs/explorer.png and docs/explorer-phone.png.")
@click.option("--no-screenshots", is_flag=True, help="Only measure.")
@click.option("--json", "json_path", type=click.Path(path_type=Path, dir_okay=False), default=None, metavar="FILE",
              help="Also write the figures as JSON.")
def main(loads: int, moves: int, docs: Path, screenshots_only: bool, no_screenshots: bool, json_path: Path | None) -> None:
    """Time the explorer page in headless Chromium beside the Python runtime; take its screenshots."""
    from playwright.sync_api import sync_playwright

    if not CHROMIUM.is_file():
        raise click.ClickException(f"no Chromium at {CHROMIUM} (apt-get install chromium, or set GANEDGE_CHROMIUM)")
    with running_server("--device", "cpu") as origin, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
        try:
            if not screenshots_only:
                figures: dict[str, Any] = {"browser": browser_timings(browser, origin, loads, moves),
                                           "load_average": os.getloadavg(),
                                           "python": python_timings(PYTHON_CALLS), "batch": BATCH,
                                           "chromium": browser.version, "cpu_cores": os.cpu_count()}
                b, p = figures["browser"], figures["python"]
                click.echo(f"explorer in headless Chromium {browser.version} ({b['wasm_threads']} wasm threads, "
                           f"cross-origin isolated: {b['cross_origin_isolated']}), {os.cpu_count()} CPU cores, "
                           f"load average {figures['load_average'][0]:.1f}:")
                click.echo(f"  navigation -> first grid drawn      {b['load_to_first_grid_ms']:8.1f} ms  "
                           f"(median of {loads} fresh loads)")
                click.echo(f"  slider move -> live row redrawn     {b['slider_to_redraw_ms']:8.2f} ms  (median of {moves}; "
                           f"{BATCH} latents: generator + canvas)")
                click.echo(f"  slider move -> its class shares     {b['slider_to_shares_ms']:8.2f} ms  (then the classifier, "
                           "as a job of its own)")
                phases = b["slider_phases_median_ms"]
                click.echo(f"    onnxruntime-web generator {phases['generator']:.2f} ms, drawing {phases['paint']:.2f} ms, "
                           f"classifier {phases['classifier']:.2f} ms")
                click.echo(f"  Python runtime generate({BATCH})          {p['generate_8_ms']:8.2f} ms")
                click.echo(f"  Python generate({BATCH}) + predict_pixels {p['generate_and_classify_8_ms']:8.2f} ms  "
                           "(the slider's work)")
                if b["console_errors"]:
                    click.echo(f"  console errors: {b['console_errors']}")
                if json_path is not None:
                    json_path.write_text(json.dumps(figures, indent=2) + "\n")
                    click.echo(f"wrote {json_path}")
            if not no_screenshots:
                for path in take_screenshots(browser, origin, docs):
                    click.echo(f"wrote {path}")
        finally:
            browser.close()


if __name__ == "__main__":
    main()
