"""``gan-serve``'s ASGI application (Starlette): the browser explorer and the Open Inference Protocol, one server.

For the explorer page, which runs the generator itself in the browser through
onnxruntime-web:

- ``/`` and ``/static/...``: the page, its script and style (package data);
- ``/vendor/onnxruntime-web/...``: the pinned onnxruntime-web files (no CDN);
- ``/models/generator.onnx``, ``/models/classifier.onnx``: the model files;
- ``/api/info``: what onnxruntime-web cannot read from the file (latent size,
  image shape, value range, outputs, SeFa directions, provenance, class names);
- ``/api/latents?seed=S&n=N``: the runtime's own ``sample_latents``, so a seed
  on the page is the same seed as in ``gan-run``.

For other apps, v2 (:mod:`.protocol`, :mod:`.inference`): ``/v2``,
``/v2/health/live``, ``/v2/health/ready``, ``/v2/models/{generator,classifier}``
(``/ready``, ``/infer``, and the same under ``/versions/1``).

Every response carries the cross-origin isolation headers multi-threaded
wasm needs; bad requests are 400 with ``{"error": "..."}``, unknown paths
404, and nothing outside the served folders is reachable (Starlette's
``StaticFiles`` resolves and checks every path).
"""

from __future__ import annotations

import contextlib
import json
import mimetypes
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, AsyncIterator

import anyio
import numpy as np
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ..base.contract import ARCHITECTURE_KEY, CHECKPOINT_SHA256_KEY, EXPORTED_AT_KEY, TRAINING_KEY, VERSION_KEY
from ..base.errors import GanRuntimeError
from ..base.version import ganedge_version
from ..generator.model import GeneratorModel
from ..measure.classifier import ClassifierModel
from .batching import DynamicBatcher
from .inference import ServedModel, served_classifier, served_generator
from .protocol import HEADER_LENGTH, ProtocolError, decode_request, encode_response

HERE = Path(__file__).resolve().parent
STATIC_DIR = HERE / "static"
VENDOR_DIR = HERE / "vendor"
MAX_BODY_BYTES = 64 * 2**20  # a request larger than this is refused (413) as soon as it is known to be
MAX_PAGE_LATENTS = 4096
ISOLATION_HEADERS = [(b"cross-origin-opener-policy", b"same-origin"), (b"cross-origin-embedder-policy", b"require-corp"),
                     (b"cross-origin-resource-policy", b"same-origin"), (b"x-content-type-options", b"nosniff")]
mimetypes.add_type("text/javascript", ".mjs")  # onnxruntime-web's module workers refuse any other type
mimetypes.add_type("application/wasm", ".wasm")


@dataclass(frozen=True)
class ServeSettings:
    """What ``gan-serve`` was asked for."""

    generator: Path
    classifier: Path | None = None
    device: str = "auto"
    threads: int | None = None
    batching: bool = True
    max_batch: int = 1024
    max_delay_ms: float = 0.0


class IsolationHeaders:
    """ASGI middleware: add the cross-origin isolation headers (and ``nosniff``) to every response."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), *ISOLATION_HEADERS]
            await send(message)

        await self.app(scope, receive, with_headers)


def _error(status: int, message: str) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status)


def _query_int(request: Request, name: str, low: int, high: int, default: int | None = None) -> int:
    text = request.query_params.get(name)
    if text is None and default is not None:
        return default
    try:
        value = int(text) if text is not None else None
    except ValueError:
        value = None
    if value is None or not low <= value <= high:
        raise ProtocolError(f"query parameter {name!r} must be a whole number from {low} to {high:,}, got {text!r}")
    return value


async def read_body(request: Request) -> bytes:
    """The request's body, refused (413) once it passes ``MAX_BODY_BYTES``, whether it declares its length or not."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_BODY_BYTES:
        raise ProtocolError(f"the request body ({int(declared):,} bytes) is larger than {MAX_BODY_BYTES:,} bytes", 413)
    chunks, size = [], 0
    async for chunk in request.stream():  # a chunked upload has no Content-Length: count as it comes
        size += len(chunk)
        if size > MAX_BODY_BYTES:
            raise ProtocolError(f"the request body is larger than {MAX_BODY_BYTES:,} bytes", 413)
        chunks.append(chunk)
    return b"".join(chunks)


def _header_length(request: Request) -> int | None:
    text = request.headers.get(HEADER_LENGTH)
    if text is None:
        return None
    if not text.strip().isdigit():
        raise ProtocolError(f"{HEADER_LENGTH} must be a whole number of bytes, got {text!r}")
    return int(text)


def model_info(generator: GeneratorModel, classifier: ClassifierModel) -> dict[str, Any]:
    """``/api/info``: everything the page needs that onnxruntime-web does not expose from the file.

    Examples
    --------
    >>> info = model_info(GeneratorModel(device="cpu"), ClassifierModel(device="cpu"))
    >>> info["latent_dim"], info["image_shape"], info["outputs"], len(info["sefa"]["directions"])
    (100, [1, 28, 28], ['image', 'pixels'], 100)
    """
    meta, raw = generator.metadata, generator.metadata.raw
    try:
        sefa = generator.sefa
        directions: dict[str, Any] = {"eigenvalues": [float(v) for v in sefa.eigenvalues],
                                      "directions": np.asarray(sefa.vectors, np.float32).tolist()}
    except GanRuntimeError:
        directions = {"eigenvalues": [], "directions": []}
    return {
        "latent_dim": meta.latent_dim, "image_shape": list(meta.image_shape), "value_range": list(meta.value_range),
        "outputs": list(meta.outputs), "sefa": directions,
        "class_names": list(classifier.class_names), "classifier_test_accuracy": classifier.metadata.test_accuracy,
        "provenance": {"model_file": generator.path.name, "ganedge_version": raw.get(VERSION_KEY),
                       "architecture": raw.get(ARCHITECTURE_KEY), "exported_at": raw.get(EXPORTED_AT_KEY),
                       "checkpoint_sha256": raw.get(CHECKPOINT_SHA256_KEY),
                       "training": json.loads(raw[TRAINING_KEY]) if TRAINING_KEY in raw else None},
        "server": {"ganedge_version": ganedge_version(), "max_latents": MAX_PAGE_LATENTS},
    }


def create_app(settings: ServeSettings) -> Starlette:
    """The application for ``settings``: both models opened once, shared by every request.

    Examples
    --------
    >>> from starlette.testclient import TestClient
    >>> from ganedge.runtime.models import BUNDLED_MODEL
    >>> with TestClient(create_app(ServeSettings(BUNDLED_MODEL, device="cpu"))) as client:
    ...     client.get("/v2/health/ready").status_code, client.get("/api/latents?seed=0&n=2").json()["shape"]
    (200, [2, 100])
    """
    generator = GeneratorModel(settings.generator, device=settings.device, threads=settings.threads)
    classifier = ClassifierModel(settings.classifier, device=settings.device, threads=settings.threads)
    info = model_info(generator, classifier)

    def generate(latents: np.ndarray, output: str) -> np.ndarray:
        return generator.generate(latents, output="float" if output == "image" else "uint8")

    batcher = DynamicBatcher(generate, settings.max_batch, settings.max_delay_ms / 1e3) if settings.batching else None

    async def compute(latents: np.ndarray, output: str) -> np.ndarray:
        if batcher is not None:
            return await batcher.submit(latents, output)
        return await anyio.to_thread.run_sync(generate, latents, output)

    async def classify(images: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return await anyio.to_thread.run_sync(classifier.outputs, images)

    served = {model.name: model for model in (served_generator(generator, compute), served_classifier(classifier, classify))}

    def model_named(request: Request) -> ServedModel:
        name = request.path_params["model"]
        if name not in served:
            raise HTTPException(404, f"no model {name!r}; this server serves {sorted(served)}")
        return served[name]

    async def infer(request: Request) -> Response:
        model = model_named(request)
        try:
            body = await read_body(request)
            clock = [time.perf_counter()]
            decoded = decode_request(body, _header_length(request), model.inputs, MAX_BODY_BYTES // 4)
            clock.append(time.perf_counter())
            outputs = await model.infer(decoded)
            clock.append(time.perf_counter())
            binary_default = bool(decoded.parameters.get("binary_data_output", False))
            binary = {name: binary_default if decoded.outputs.get(name) is None else bool(decoded.outputs[name])
                      for name in outputs}
            payload, header_length = encode_response(model.name, outputs, binary, decoded.id)
            clock.append(time.perf_counter())
        except ProtocolError as error:  # the request's fault: every input is checked before it reaches a model
            return _error(error.status, str(error))
        except GanRuntimeError as error:  # the server's: a model that fails on checked input, a stopping server
            return _error(500, str(error))
        # Where the server's time went (W3C Server-Timing, milliseconds): the load benchmark reads it.
        timing = ", ".join(f"{phase};dur={(end - start) * 1e3:.3f}"
                           for phase, start, end in zip(("decode", "infer", "encode"), clock, clock[1:]))
        if header_length is None:
            return Response(payload, media_type="application/json", headers={"server-timing": timing})
        return Response(payload, media_type="application/octet-stream",
                        headers={HEADER_LENGTH: str(header_length), "server-timing": timing})

    async def latents(request: Request) -> Response:
        try:
            n = _query_int(request, "n", 1, MAX_PAGE_LATENTS, default=8)
            seed = _query_int(request, "seed", 0, 2**53 - 1)  # a page's numbers are exact up to 2**53
        except ProtocolError as error:
            return _error(400, str(error))
        z = generator.sample_latents(n, seed)
        return JSONResponse({"seed": seed, "n": n, "shape": list(z.shape), "latents": z.reshape(-1).tolist()})

    async def handle_http_error(request: Request, error: Exception) -> Response:
        assert isinstance(error, HTTPException)
        return JSONResponse({"error": str(error.detail)}, status_code=error.status_code, headers=error.headers)

    def model_version(request: Request) -> ServedModel:
        model = model_named(request)
        if request.path_params["version"] != "1":
            raise HTTPException(404, f"{model.name} has one version, 1; got {request.path_params['version']!r}")
        return model

    async def versioned_infer(request: Request) -> Response:
        model_version(request)
        return await infer(request)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        yield
        if batcher is not None:  # uvicorn stops taking requests and answers those it accepted before this
            await batcher.close()

    routes = [
        Route("/", lambda request: FileResponse(STATIC_DIR / "index.html")),
        Route("/api/info", lambda request: JSONResponse(info)),
        Route("/api/latents", latents),
        Route("/models/generator.onnx", lambda request: FileResponse(generator.path, media_type="application/octet-stream")),
        Route("/models/classifier.onnx", lambda request: FileResponse(classifier.path, media_type="application/octet-stream")),
        Route("/v2", lambda request: JSONResponse({"name": "ganedge", "version": ganedge_version(),
                                                   "extensions": ["binary_tensor_data"]})),
        Route("/v2/health/live", lambda request: Response(status_code=200)),
        Route("/v2/health/ready", lambda request: Response(status_code=200)),
        Route("/v2/models/{model}", lambda request: JSONResponse(model_named(request).metadata())),
        Route("/v2/models/{model}/ready", lambda request: Response(status_code=200 if model_named(request) else 404)),
        Route("/v2/models/{model}/infer", infer, methods=["POST"]),
        Route("/v2/models/{model}/versions/{version}", lambda request: JSONResponse(model_version(request).metadata())),
        Route("/v2/models/{model}/versions/{version}/ready",
              lambda request: Response(status_code=200 if model_version(request) else 404)),
        Route("/v2/models/{model}/versions/{version}/infer", versioned_infer, methods=["POST"]),
        Mount("/static", StaticFiles(directory=STATIC_DIR)),
        Mount("/vendor", StaticFiles(directory=VENDOR_DIR)),
    ]
    app = Starlette(routes=routes, middleware=[Middleware(IsolationHeaders)],
                    exception_handlers={HTTPException: handle_http_error}, lifespan=lifespan)
    app.state.batcher = batcher
    return app
