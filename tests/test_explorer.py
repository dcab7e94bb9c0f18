"""gan-serve's explorer page in headless Chromium: the same grid, pixels and class shares as gan-run, from one server.

The real server runs in a subprocess (``gan-serve --port P --model M``) and a
real browser loads the page, which runs the generator itself through the
vendored onnxruntime-web. The page must agree with the Python runtime to one
grey level per pixel (the counts of differing pixels are printed), count the
same class shares, keep its whole state in the address bar, show the matching
``gan-run`` command, and ask nothing of any host but the server. The server's
edges (paths outside the served folders, bad queries, the address it binds, a
port in use) are checked over raw sockets, so no client library tidies a path
before it is sent.

One Chromium serves the whole module (it costs ~1.5 s to start) and each
server's page is loaded once and reused; Chromium is Debian's
(``/usr/bin/chromium``), never a Playwright download.
"""

from __future__ import annotations

import base64
import contextlib
import io
import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, Iterator
from urllib.parse import urlsplit

import numpy as np
import playwright.sync_api as playwright_sync
import pytest

from ganedge.runtime.generator.model import GeneratorModel
from ganedge.runtime.measure.classifier import ClassifierModel
from ganedge.runtime.measure.shares import counted_shares
from ganedge.runtime.measure.tables import format_shares
from ganedge.runtime.models import BUNDLED_MODEL

CHROMIUM = Path(os.environ.get("GANEDGE_CHROMIUM", "/usr/bin/chromium"))
SERVER_START_TIMEOUT_S = 60.0
MAX_DIFFERING_SHARE = 1e-3  # at most 0.1% of the pixels one grey level apart (float rounding in wasm vs MLAS)

STATES = {
    "seed": {"seed": 0, "n": 8},
    "perturb-71": {"seed": 0, "n": 8, "perturb": [[71, [-10, 10, 100]]]},
    "direction-1": {"seed": 0, "n": 8, "direction": [[1, [-5, 0, 5]]]},
    "two-perturbations": {"seed": 3, "n": 6, "perturb": [[71, [-10, 10, 100]], [2, [0, 10]]]},
}
QUERIES = {
    "seed": "?seed=0&n=8",
    "perturb-71": "?seed=0&n=8&perturb=71:-10,10,100",
    "direction-1": "?seed=0&n=8&direction=1:-5,0,5",
    "two-perturbations": "?seed=3&n=6&perturb=71:-10,10,100&perturb=2:0,10",
}
COMMANDS = {
    "seed": "gan-run --seed 0 --n 8",
    "perturb-71": "gan-run --seed 0 --n 8 --perturb 71=-10,10,100",
    "direction-1": "gan-run --seed 0 --n 8 --direction 1=-5,0,5",
    "two-perturbations": "gan-run --seed 3 --n 6 --perturb 71=-10,10,100 --perturb 2=0,10",
}


# ---------------------------------------------------------------------------------------------
# The server, in a subprocess


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def serve_command(*args: str) -> list[str]:
    return [sys.executable, "-c",
            "from ganedge.runtime.commands.serve import main; raise SystemExit(main(%r))" % (list(args),)]


def raw_request(port: int, target: str, host: str = "127.0.0.1", method: str = "GET") -> tuple[int, dict[str, str], bytes]:
    """One HTTP/1.1 request with ``target`` sent byte for byte: (status, headers, body)."""
    with socket.create_connection((host, port), timeout=10) as sock:
        sock.sendall(f"{method} {target} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n\r\n".encode("latin-1"))
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    head, _, body = b"".join(chunks).partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = {name.strip().lower(): value.strip() for name, _, value in (line.partition(":") for line in lines[1:])}
    if headers.get("transfer-encoding") == "chunked":
        body = dechunk(body)
    return int(lines[0].split()[1]), headers, body


def dechunk(body: bytes) -> bytes:
    out, rest = b"", body
    while rest:
        size_text, _, rest = rest.partition(b"\r\n")
        size = int(size_text.split(b";")[0], 16)
        if size == 0:
            break
        out, rest = out + rest[:size], rest[size + 2:]
    return out


@contextlib.contextmanager
def running_server(*args: str) -> Iterator[int]:
    """``gan-serve --port P *args`` until the block ends; yields P once /v2/health/ready answers 200."""
    port = free_port()
    process = subprocess.Popen(serve_command("--port", str(port), "--device", "cpu", *args),
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + SERVER_START_TIMEOUT_S
        while True:
            if process.poll() is not None:
                raise AssertionError(f"gan-serve exited with {process.returncode}: {process.stderr.read()}")
            with contextlib.suppress(OSError):
                if raw_request(port, "/v2/health/ready")[0] == 200:
                    break
            if time.monotonic() > deadline:
                raise AssertionError(f"gan-serve did not answer on port {port} within {SERVER_START_TIMEOUT_S:.0f} s")
            time.sleep(0.1)
        yield port
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


# ---------------------------------------------------------------------------------------------
# One browser, one page per model


class ExplorerPage:
    """The explorer loaded once from one server, with everything it logged and asked for."""

    def __init__(self, browser: Any, port: int, model_path: Path) -> None:
        self.port = port
        self.origin = f"http://127.0.0.1:{port}"
        self.model = GeneratorModel(model_path, device="cpu")
        self.console_errors: list[str] = []
        self.requests: list[str] = []
        self.context = browser.new_context(viewport={"width": 1280, "height": 800}, accept_downloads=True)
        self.page = self.context.new_page()
        self.page.on("console", lambda message: message.type in ("error", "assert")
                     and self.console_errors.append(message.text))
        self.page.on("pageerror", lambda error: self.console_errors.append(f"uncaught: {error}"))
        self.page.on("request", lambda request: self.requests.append(request.url))
        self.goto("")

    def goto(self, query: str) -> None:
        self.page.goto(f"{self.origin}/{query}")
        self.page.evaluate("window.ganedge.ready")

    def render(self, state: dict[str, Any]) -> None:
        self.page.evaluate("state => window.ganedge.render(state)", state)

    def pixels(self) -> np.ndarray:
        """The drawn grid as uint8 [rows, n, H, W], carried out of the page as base64."""
        rows, n, text = self.page.evaluate("""() => {
            const rows = window.ganedge.pixels();
            const flat = rows.flat();
            let text = "";
            for (const image of flat) for (const p of image) text += String.fromCharCode(p);
            return [rows.length, rows[0].length, btoa(text)];
        }""")
        return np.frombuffer(base64.b64decode(text), np.uint8).reshape(rows, n, *self.model.image_shape[1:])

    def live_pixels(self) -> np.ndarray:
        text = self.page.evaluate("""() => {
            let text = "";
            for (const image of window.ganedge.livePixels()) for (const p of image) text += String.fromCharCode(p);
            return btoa(text);
        }""")
        return np.frombuffer(base64.b64decode(text), np.uint8).reshape(-1, *self.model.image_shape[1:])

    def close(self) -> None:
        self.context.close()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not CHROMIUM.is_file():
        pytest.fail(f"no Chromium at {CHROMIUM}: apt-get install chromium (or set GANEDGE_CHROMIUM)")
    with playwright_sync.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
        yield chromium
        chromium.close()


@pytest.fixture(scope="module")
def classifier() -> ClassifierModel:
    return ClassifierModel(device="cpu")


@pytest.fixture(scope="module")
def bundled_server() -> Iterator[int]:
    with running_server("--model", str(BUNDLED_MODEL)) as port:
        yield port


@pytest.fixture(scope="module")
def pixels_server(model_file: Path) -> Iterator[int]:
    with running_server("--model", str(model_file)) as port:
        yield port


@pytest.fixture(scope="module")
def pages(browser: Any, bundled_server: int, pixels_server: int, model_file: Path) -> Iterator[dict[str, ExplorerPage]]:
    opened = {"bundled": ExplorerPage(browser, bundled_server, BUNDLED_MODEL),
              "pixels-output": ExplorerPage(browser, pixels_server, model_file)}
    yield opened
    for page in opened.values():
        page.close()


@pytest.fixture(params=["bundled", "pixels-output"])
def explorer(request: pytest.FixtureRequest, pages: dict[str, ExplorerPage]) -> ExplorerPage:
    return pages[request.param]


def python_rows(model: GeneratorModel, state: dict[str, Any]) -> tuple[np.ndarray, list[str]]:
    """What gan-run draws for ``state``: the runtime's own experiment rows through generate_rows."""
    latents = model.sample_latents(state["n"], state["seed"])
    rows, labels = model.experiment(latents, [tuple(p) for p in state.get("perturb", [])],
                                    [tuple(d) for d in state.get("direction", [])])
    return model.generate_rows(rows), labels


def differing(page_pixels: np.ndarray, python_pixels: np.ndarray) -> tuple[int, int]:
    """(pixels that differ, the largest difference in grey levels)."""
    difference = np.abs(page_pixels.astype(np.int16) - python_pixels.astype(np.int16))
    return int(np.count_nonzero(difference)), int(difference.max(initial=0))


# ---------------------------------------------------------------------------------------------
# The page


def test_the_page_loads_onnxruntime_web_from_the_server_with_threads_when_isolated(explorer: ExplorerPage) -> None:
    isolated, threads, version = explorer.page.evaluate(
        "[crossOriginIsolated, ort.env.wasm.numThreads, ort.env.versions.web]")
    assert isolated is True
    assert threads == min(4, explorer.page.evaluate("navigator.hardwareConcurrency"))
    assert version == "1.30.0"
    assert any(url.endswith("/vendor/onnxruntime-web/ort-wasm-simd-threaded.wasm") for url in explorer.requests)


@pytest.mark.parametrize("name", STATES)
def test_the_page_draws_the_same_pixels_as_the_python_runtime(explorer: ExplorerPage, name: str) -> None:
    explorer.render(STATES[name])
    expected, _ = python_rows(explorer.model, STATES[name])
    got = explorer.pixels()
    assert got.shape == expected.shape
    count, largest = differing(got, expected)
    print(f"\n{explorer.model.path.name} ({'pixels output' if explorer.model.metadata.has_pixels else 'image output'}), "
          f"{name}: {count} of {expected.size} pixels differ, by at most {largest} grey level(s)")
    assert largest <= 1
    assert count <= MAX_DIFFERING_SHARE * expected.size


@pytest.mark.parametrize("name", STATES)
def test_the_row_labels_are_gan_runs(explorer: ExplorerPage, name: str) -> None:
    explorer.render(STATES[name])
    assert explorer.page.evaluate("window.ganedge.labels()") == python_rows(explorer.model, STATES[name])[1]


@pytest.mark.parametrize("name", ["perturb-71", "direction-1"])
def test_the_class_shares_per_row_are_gan_run_explains(explorer: ExplorerPage, classifier: ClassifierModel,
                                                       name: str) -> None:
    explorer.render(STATES[name])
    expected_pixels, _ = python_rows(explorer.model, STATES[name])
    expected = [counted_shares(classifier.predict_pixels(row), len(classifier.class_names)) for row in expected_pixels]
    assert np.array_equal(np.array(explorer.page.evaluate("window.ganedge.shares()")), np.stack(expected))
    shown = explorer.page.locator("#shares tbody tr.grid-row td").all_inner_texts()
    assert shown == [format_shares(row, classifier.class_names, top=3, short=True) for row in expected]


def test_the_class_shares_come_with_the_small_n_caveat(pages: dict[str, ExplorerPage]) -> None:
    explorer = pages["bundled"]
    explorer.render(STATES["perturb-71"])
    caveat = explorer.page.locator("#caveat").inner_text()
    assert "steps of 1/8 (12.5%)" in caveat
    assert "gan-run --seed 0 --n 2000 --perturb 71=-10,10,100 --explain" in caveat


@pytest.mark.parametrize("name", STATES)
def test_the_address_bar_holds_the_state_and_the_page_shows_the_gan_run_command(explorer: ExplorerPage, name: str) -> None:
    explorer.render(STATES[name])
    assert explorer.page.evaluate("location.search") == QUERIES[name]
    assert explorer.page.locator("#command-line").inner_text() == COMMANDS[name]


def test_a_link_reproduces_the_picture(pages: dict[str, ExplorerPage]) -> None:
    explorer = pages["bundled"]
    state = {"seed": 5, "n": 4, "perturb": [[71, [-10, 10, 100]]], "direction": [[2, [-5, 0.5]]]}
    explorer.render(state)
    drawn, address = explorer.pixels(), explorer.page.url
    explorer.render(STATES["seed"])
    explorer.page.goto(address)
    explorer.page.evaluate("window.ganedge.ready")
    got = explorer.page.evaluate("window.ganedge.state()")
    assert {key: got[key] for key in state} == state
    assert np.array_equal(explorer.pixels(), drawn)


def test_the_sliders_redraw_the_live_row_as_gan_run_draws_that_row(explorer: ExplorerPage) -> None:
    explorer.render({"seed": 0, "n": 8})
    page = explorer.page
    page.fill("#live-number", "71")
    page.fill("#live-value-text", "2.5")
    page.press("#live-value-text", "Enter")
    page.evaluate("window.ganedge.idle()")
    z = explorer.model.sample_latents(8, 0)
    count, largest = differing(explorer.live_pixels(), explorer.model.generate(explorer.model.perturb(z, 71, [2.5])[0]))
    assert largest <= 1 and count <= MAX_DIFFERING_SHARE * z.shape[0] * 784
    page.click("#reset-sliders")
    page.focus("#dir-slider-1")
    for _ in range(30):  # 30 steps of 0.1 with the keyboard
        page.keyboard.press("ArrowRight")
    page.evaluate("window.ganedge.idle()")
    assert page.evaluate("window.ganedge.state().liveDirections") == [[1, 3]]
    rows, _ = explorer.model.experiment(z, direction=[(1, [3.0])])
    count, largest = differing(explorer.live_pixels(), explorer.model.generate(rows[1]))
    assert largest <= 1 and count <= MAX_DIFFERING_SHARE * z.shape[0] * 784
    assert "livedir=1:3" in page.evaluate("location.search")
    page.click("#reset-sliders")
    page.evaluate("window.ganedge.idle()")


def test_a_slider_drag_ends_with_the_class_shares_of_the_last_drawn_live_row(pages: dict[str, ExplorerPage],
                                                                             classifier: ClassifierModel) -> None:
    explorer = pages["bundled"]
    explorer.render({"seed": 0, "n": 8})
    page = explorer.page
    page.click("#reset-sliders")
    page.focus("#dir-slider-1")
    for _ in range(20):  # a drag: moves arrive while earlier ones are still drawing or being classified
        page.keyboard.press("ArrowLeft")
    page.evaluate("window.ganedge.idle()")
    live = explorer.live_pixels()
    expected = counted_shares(classifier.predict_pixels(live), len(classifier.class_names))
    assert np.array_equal(np.array(page.evaluate("window.ganedge.liveShares()")), expected)
    shown = page.locator("#shares tbody tr.live-row td").inner_text()
    assert shown == format_shares(expected, classifier.class_names, top=3, short=True)
    timings = page.evaluate("window.ganedge.timings")
    assert 0 < timings["lastLiveMs"] <= timings["lastLiveWithSharesMs"]
    page.click("#reset-sliders")
    page.evaluate("window.ganedge.idle()")


def test_a_projected_latent_file_replaces_the_seeds_latents(explorer: ExplorerPage, tmp_path: Path) -> None:
    explorer.render(STATES["perturb-71"])
    latents = (np.random.default_rng(11).standard_normal((5, explorer.model.latent_dim)) * 0.7).astype(np.float32)
    np.save(tmp_path / "projected.npy", latents)
    explorer.page.set_input_files("#npy", str(tmp_path / "projected.npy"))
    explorer.page.wait_for_function("window.ganedge.state().projected === 'projected.npy'")
    explorer.page.evaluate("window.ganedge.idle()")
    rows, _ = explorer.model.experiment(latents, perturb=[(71, [-10, 10, 100])])
    count, largest = differing(explorer.pixels(), explorer.model.generate_rows(rows))
    assert largest <= 1 and count <= MAX_DIFFERING_SHARE * rows.shape[0] * rows.shape[1] * 784
    assert explorer.page.evaluate("window.ganedge.state().n") == 5
    explorer.page.click("#use-seed")
    explorer.page.evaluate("window.ganedge.idle()")
    assert explorer.page.evaluate("window.ganedge.state().projected") is None


def test_a_npy_file_of_the_wrong_shape_is_refused_on_the_page(pages: dict[str, ExplorerPage], tmp_path: Path) -> None:
    explorer = pages["bundled"]
    np.save(tmp_path / "wrong.npy", np.zeros((3, 7), np.float32))
    explorer.page.set_input_files("#npy", str(tmp_path / "wrong.npy"))
    explorer.page.wait_for_selector("#error:not([hidden])")
    assert "must be [n, 100], got shape (3, 7)" in explorer.page.locator("#error").inner_text()
    explorer.render(STATES["seed"])


def test_a_state_the_model_cannot_draw_is_refused_with_gan_runs_message(pages: dict[str, ExplorerPage]) -> None:
    explorer = pages["bundled"]
    with pytest.raises(playwright_sync.Error, match=r"latent number 101 is out of range: numbers count from 1 to 100"):
        explorer.render({"seed": 0, "n": 8, "perturb": [[101, [1]]]})
    assert "latent number 101 is out of range" in explorer.page.locator("#error").inner_text()
    with pytest.raises(playwright_sync.Error, match="repeats a value"):
        explorer.render({"seed": 0, "n": 8, "perturb": [[71, [1, 1]]]})
    explorer.render(STATES["seed"])
    assert explorer.page.locator("#error").is_hidden()


def test_the_downloaded_png_is_the_grid_enlarged_three_times_with_2px_gaps(pages: dict[str, ExplorerPage]) -> None:
    from PIL import Image

    explorer = pages["bundled"]
    explorer.render(STATES["perturb-71"])
    with explorer.page.expect_download() as download:
        explorer.page.click("#download")
    assert download.value.suggested_filename == "ganedge-seed0.png"
    picture = np.asarray(Image.open(io.BytesIO(Path(download.value.path()).read_bytes())).convert("L"))
    drawn = explorer.pixels()
    rows, n, height, width = drawn.shape
    cell = 3 * height
    assert picture.shape[0] == 2 + rows * (cell + 2)
    margin = picture.shape[1] - 2 - n * (cell + 2)
    for r in range(rows):
        for c in range(n):
            top, left = 2 + r * (cell + 2), margin + 2 + c * (cell + 2)
            enlarged = np.repeat(np.repeat(drawn[r, c], 3, axis=0), 3, axis=1)
            assert np.array_equal(picture[top:top + cell, left:left + cell], enlarged)
    assert (picture[:, margin:margin + 2] == 255).all() and (picture[:2, margin:] == 255).all()


def test_the_form_runs_the_report_experiment_from_the_keyboard(pages: dict[str, ExplorerPage]) -> None:
    explorer = pages["bundled"]
    explorer.render(STATES["seed"])
    page = explorer.page
    page.focus("#add-perturb")
    page.keyboard.press("Enter")  # adds the report's block: latent 71 set to -10, 10, 100
    page.evaluate("window.ganedge.idle()")
    assert page.evaluate("window.ganedge.state().perturb") == [[71, [-10, 10, 100]]]
    page.fill("#perturb-list li:first-child .block-values", "-3, 3")
    page.press("#perturb-list li:first-child .block-values", "Enter")
    page.evaluate("window.ganedge.idle()")
    assert page.evaluate("window.ganedge.labels()") == ["random z", "#71 = -3", "#71 = 3"]
    page.fill("#seed", "12")
    page.press("#seed", "Enter")
    page.evaluate("window.ganedge.idle()")
    assert page.locator("#command-line").inner_text() == "gan-run --seed 12 --n 8 --perturb 71=-3,3"
    page.focus("#perturb-list li:first-child .remove")
    page.keyboard.press("Enter")
    page.evaluate("window.ganedge.idle()")
    assert page.evaluate("window.ganedge.state().perturb") == []


def test_without_cross_origin_isolation_the_page_runs_one_thread_without_errors(browser: Any, bundled_server: int) -> None:
    context = browser.new_context()
    try:
        def without_isolation(route: Any) -> None:  # as a proxy that drops COOP/COEP would serve the page
            response = route.fetch()
            headers = {k: v for k, v in response.headers.items() if not k.startswith("cross-origin-")}
            route.fulfill(response=response, headers=headers)

        context.route("**/*", without_isolation)
        page = context.new_page()
        errors: list[str] = []
        page.on("console", lambda message: message.type == "error" and errors.append(message.text))
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.goto(f"http://127.0.0.1:{bundled_server}/{QUERIES['perturb-71']}")
        page.evaluate("window.ganedge.ready")
        assert page.evaluate("[crossOriginIsolated, ort.env.wasm.numThreads]") == [False, 1]
        assert page.evaluate("window.ganedge.labels()") == ["random z", "#71 = -10", "#71 = 10", "#71 = 100"]
        assert errors == []
    finally:
        context.close()


def test_every_control_has_a_label(pages: dict[str, ExplorerPage]) -> None:
    unlabelled = pages["bundled"].page.evaluate("""() => [...document.querySelectorAll("input, button")]
        .filter((el) => !(el.labels?.length || el.getAttribute("aria-label")
                          || (el.tagName === "BUTTON" && el.textContent.trim())))
        .map((el) => el.id || el.outerHTML)""")
    assert unlabelled == []


def test_the_page_fits_a_phone_390px_wide(browser: Any, bundled_server: int) -> None:
    context = browser.new_context(viewport={"width": 390, "height": 844}, device_scale_factor=2)
    try:
        page = context.new_page()
        errors: list[str] = []
        page.on("console", lambda message: message.type == "error" and errors.append(message.text))
        page.goto(f"http://127.0.0.1:{bundled_server}/{QUERIES['perturb-71']}")
        page.evaluate("window.ganedge.ready")
        widths = page.evaluate("""() => [document.documentElement.scrollWidth,
            document.getElementById("grid-canvas").getBoundingClientRect().right]""")
        assert widths[0] <= 390 and widths[1] <= 390
        assert errors == []
    finally:
        context.close()


def test_the_page_logged_no_errors_and_asked_only_its_own_server(pages: dict[str, ExplorerPage]) -> None:
    for explorer in pages.values():
        assert explorer.console_errors == []
        hosts = {urlsplit(url.removeprefix("blob:")).netloc for url in explorer.requests}
        assert hosts == {f"127.0.0.1:{explorer.port}"}, explorer.requests


# ---------------------------------------------------------------------------------------------
# The server's edges, over raw sockets

OUTSIDE = ["/static/../app.py", "/static/%2e%2e/app.py", "/static/%2E%2E/%2E%2E/serve/app.py", "/vendor/..%2f..%2fapp.py",
           "/vendor/onnxruntime-web/..%2f..%2fapp.py", "/vendor/%2e%2e/app.py", "//etc/passwd", "/static//etc/passwd",
           "/static/..%5capp.py", "/models/../app.py"]


@pytest.mark.parametrize("target", OUTSIDE)
def test_no_path_reaches_a_file_outside_the_served_folders(bundled_server: int, target: str) -> None:
    status, _, body = raw_request(bundled_server, target)
    assert status in (400, 404)
    assert b"create_app" not in body and b"root:" not in body


def test_an_unknown_path_is_404_with_a_json_error(bundled_server: int) -> None:
    status, headers, body = raw_request(bundled_server, "/no/such/page")
    assert status == 404 and "error" in json.loads(body)
    assert raw_request(bundled_server, "/static/no-such-file.js")[0] == 404


def test_every_response_carries_the_cross_origin_isolation_headers(bundled_server: int) -> None:
    for target in ("/", "/static/app.js", "/vendor/onnxruntime-web/ort-wasm-simd-threaded.mjs", "/api/info", "/nothing"):
        _, headers, _ = raw_request(bundled_server, target)
        assert headers["cross-origin-opener-policy"] == "same-origin"
        assert headers["cross-origin-embedder-policy"] == "require-corp"
    vendor = "/vendor/onnxruntime-web/ort-wasm-simd-threaded"
    assert raw_request(bundled_server, f"{vendor}.mjs")[1]["content-type"].startswith("text/javascript")
    assert raw_request(bundled_server, f"{vendor}.wasm")[1]["content-type"] == "application/wasm"


@pytest.mark.parametrize("query", ["seed=-1", "n=0", "n=abc", "seed=abc", "seed=0&n=100000", "seed=1.5"])
def test_a_bad_latents_query_is_400_with_a_json_error(bundled_server: int, query: str) -> None:
    status, headers, body = raw_request(bundled_server, f"/api/latents?{query}")
    assert status == 400
    assert headers["content-type"].startswith("application/json")
    assert json.loads(body)["error"]


def test_the_latents_are_the_runtimes_sample_latents(bundled_server: int) -> None:
    status, _, body = raw_request(bundled_server, "/api/latents?seed=7&n=3")
    answer = json.loads(body)
    assert status == 200 and answer["shape"] == [3, 100]
    expected = GeneratorModel(BUNDLED_MODEL, device="cpu").sample_latents(3, 7)
    assert np.array_equal(np.array(answer["latents"], np.float32).reshape(3, 100), expected)


def test_the_default_host_is_loopback_only(bundled_server: int) -> None:
    # 127.0.0.2 is this machine too; a server bound to 127.0.0.1 alone does not answer there (one bound to 0.0.0.0 would)
    assert raw_request(bundled_server, "/v2/health/ready", host="127.0.0.1")[0] == 200
    with pytest.raises(ConnectionRefusedError):
        raw_request(bundled_server, "/v2/health/ready", host="127.0.0.2")
    from ganedge.runtime.commands.serve import DEFAULT_HOST

    assert DEFAULT_HOST == "127.0.0.1"


def test_a_port_in_use_is_one_error_line_and_exit_code_2() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        result = subprocess.run(serve_command("--port", str(port)), capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and result.stderr.startswith("Error: ")
    assert f"port {port}" in result.stderr and "already in use" in result.stderr


def test_the_explorer_loads_nothing_from_another_origin() -> None:
    static = Path(__file__).resolve().parents[1] / "runtime" / "serve" / "static"
    for path in static.iterdir():
        text = path.read_text()
        assert "http://" not in text and "https://" not in text and "//cdn" not in text, path.name
