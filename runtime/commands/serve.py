"""``gan-serve``: the explorer in the browser and the v2 inference protocol, or a Triton model repository.

A thin layer over :func:`ganedge.runtime.serve.app.create_app` and Uvicorn:
resolve the models as ``gan-run`` does, bind the port first (so a port in use
is one line and exit 2, not a traceback), print the URL, serve until Ctrl-C
or SIGTERM (Uvicorn answers the requests it accepted, then stops).
"""

from __future__ import annotations

import errno
import json
import os
import signal
import socket
from pathlib import Path
from typing import Sequence

import click

from ..base.errors import GanRuntimeError
from ..models import BUNDLED_CLASSIFIER
from .shared import (
    CONTEXT_SETTINGS, classifier_option, device_option, model_option, resolve_model, run_command, threads_option,
)

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8000
SETTINGS_ENV = "GANEDGE_SERVE_SETTINGS"  # how worker processes receive the settings (JSON)
INSTALL_HINT = "pip install 'ganedge[serve]'"


def bind(host: str, port: int) -> socket.socket:
    """A listening socket on ``host:port``, or a one-line error saying the port is taken (or the host unknown)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as error:
        sock.close()
        if error.errno == errno.EADDRINUSE:
            raise GanRuntimeError(f"port {port} on {host} is already in use; pass --port N (or stop what runs there)") from None
        raise GanRuntimeError(f"cannot listen on {host}:{port}: {error.strerror or error}") from None
    # No Nagle: a response's headers and body leave as separate small writes, and waiting for the
    # client's delayed ACK between them cost 40 ms per small request (measured; accepted sockets inherit it).
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    sock.listen(2048)
    sock.set_inheritable(True)
    return sock


def app_from_environment():  # type: ignore[no-untyped-def]
    """The application for a Uvicorn worker process, from the settings the parent put in its environment."""
    from ..serve.app import ServeSettings, create_app

    values = json.loads(os.environ[SETTINGS_ENV])
    values["generator"] = Path(values["generator"])
    values["classifier"] = Path(values["classifier"]) if values["classifier"] else None
    return create_app(ServeSettings(**values))


@click.command(context_settings=CONTEXT_SETTINGS)
@model_option
@classifier_option()
@click.option("--host", default=DEFAULT_HOST, show_default=True, metavar="ADDRESS",
              help="Address to listen on; anything but 127.0.0.1 exposes the server to the network.")
@click.option("--port", type=click.IntRange(1, 65535), default=DEFAULT_PORT, show_default=True, metavar="PORT")
@click.option("--open", "open_browser", is_flag=True, help="Open the explorer in the default browser.")
@click.option("--workers", type=click.IntRange(1, 64), default=1, show_default=True, metavar="N",
              help="Server processes sharing the port (each opens the models once).")
@click.option("--batching/--no-batching", default=True, show_default=True,
              help="Gather concurrent inference requests into one forward pass (Triton's dynamic batching).")
@click.option("--max-batch", type=click.IntRange(1, 65536), default=1024, show_default=True, metavar="LATENTS",
              help="Most latents one gathered forward pass runs.")
@click.option("--batch-delay-ms", type=click.FloatRange(0, 1000), default=0.0, show_default=True, metavar="MS",
              help="How long the first request of a batch waits for others to join it (0: none; requests that "
                   "arrive while a pass runs still share the next one).")
@click.option("--triton-repo", type=click.Path(path_type=Path), default=None, metavar="DIR",
              help="Write a Triton model repository for the generator and the classifier into DIR and exit.")
@click.option("--triton-kind", type=click.Choice(["cpu", "gpu"]), default="cpu", show_default=True,
              help="The repository's instance group: KIND_CPU or KIND_GPU.")
@device_option
@threads_option
def gan_serve(model_path: Path | None, classifier_path: Path | None, host: str, port: int, open_browser: bool,
              workers: int, batching: bool, max_batch: int, batch_delay_ms: float, triton_repo: Path | None,
              triton_kind: str, device: str, threads: int | None) -> None:
    """Serve a ganedge generator: the latent explorer in the browser, and the Open Inference Protocol (v2).

    The explorer page runs the same .onnx file in the browser (onnxruntime-web,
    served from this package, no internet needed): pick a seed and latent
    numbers, move the sliders, and every image redraws at once; the address
    bar holds the whole state and the page shows the equivalent gan-run
    command. Other apps call the generator over HTTP with the v2 protocol that
    Triton, KServe and MLServer speak (POST /v2/models/generator/infer, JSON or
    binary tensors, a seed/n request and a uint8 pixels output); the classifier
    is the second model. The models are found as gan-run finds them.

    \b
    Examples:
      gan-serve                                   # http://127.0.0.1:8000/ with the bundled model
      gan-serve --model runs/latest/generator.onnx --port 8080 --open
      curl -s localhost:8000/v2/models/generator/infer -d '{"parameters": {"seed": 0, "n": 1}, "outputs": [{"name": "pixels"}]}'
      gan-serve --triton-repo model_repository    # then: tritonserver --model-repository model_repository
    """
    path, source = resolve_model(model_path)
    classifier = classifier_path or BUNDLED_CLASSIFIER
    if triton_repo is not None:
        _write_triton_repository(triton_repo, path, classifier, triton_kind)
        return
    try:
        import uvicorn

        from ..serve.app import ServeSettings, create_app
    except ImportError as error:
        raise click.UsageError(f"gan-serve needs the serving extra ({error.name} is missing): {INSTALL_HINT}")
    settings = ServeSettings(path, classifier_path, device, threads, batching, max_batch, batch_delay_ms)
    sock = bind(host, port)
    url = f"http://{host if ':' not in host else f'[{host}]'}:{port}/"
    click.echo(f"model: {path} ({source})")
    app = create_app(settings)  # opened before the URL is printed: a broken model is refused here
    if workers > 1:  # each worker process opens its own models from these settings
        os.environ[SETTINGS_ENV] = json.dumps({**settings.__dict__, "generator": str(path),
                                               "classifier": str(classifier_path) if classifier_path else None})
    click.echo(f"explorer: {url}   v2 API: {url}v2/models/generator   (Ctrl-C stops)")
    if open_browser:
        import threading
        import webbrowser

        threading.Timer(0.5, webbrowser.open, [url]).start()
    # Uvicorn catches SIGINT/SIGTERM, answers the requests it accepted, then re-raises the signal into the
    # handler it found: with these, that is the end of a normal stop (exit 0), not a kill by signal.
    signal.signal(signal.SIGTERM, lambda *_: None)
    signal.signal(signal.SIGINT, lambda *_: None)
    if workers == 1:
        uvicorn.Server(uvicorn.Config(app, log_level="warning", timeout_graceful_shutdown=10)).run(sockets=[sock])
    else:
        # Uvicorn's public entry point for worker processes, handed the socket bound above as a file descriptor
        # (its supervisor class changed its arguments in 2026; uvicorn.run hides that).
        uvicorn.run(f"{__name__}:app_from_environment", factory=True, workers=workers, fd=sock.fileno(),
                    log_level="warning", timeout_graceful_shutdown=10)
    click.echo("stopped")


def _write_triton_repository(folder: Path, generator: Path, classifier: Path, kind: str) -> None:
    from ..generator.model import GeneratorModel
    from ..measure.classifier import ClassifierModel
    from ..serve.triton import write_repository

    models = {"generator": GeneratorModel(generator, device="cpu"), "classifier": ClassifierModel(classifier, device="cpu")}
    written = write_repository(folder, {name: (model.path, model.session) for name, model in models.items()}, kind)
    for path in written:
        click.echo(f"wrote {path}")
    click.echo(f"start Triton on it: docker run --rm -p 8000:8000 -v {folder.resolve()}:/models "
               "nvcr.io/nvidia/tritonserver:<yy.mm>-py3 tritonserver --model-repository /models")


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``gan-serve``: every user error becomes one line and exit code 2."""
    return run_command(gan_serve, "gan-serve", argv)
