"""The two served models behind the v2 endpoints: their metadata and one infer call each.

``generator`` takes ``z`` FP32 ``[-1, latent_dim]``, or instead ganedge's own
request parameters ``seed`` and ``n`` (the latents ``gan-run --seed S --n N``
would draw, so a client need not send them), and returns ``image`` FP32
``[-1, 1, 28, 28]`` and ``pixels`` UINT8 ``[-1, 28, 28]`` (the mapping done
by the server, a quarter of the bytes). ``classifier`` takes ``image`` and
returns ``logits`` and ``features``. Outputs are exactly what the Python
API's ``generate`` and ``classify`` return for the same input.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Awaitable, Callable

import numpy as np

from ..base.contract import CLASSIFIER_INPUT_NAME, CLASSIFIER_OUTPUT_NAMES, INPUT_NAME, OUTPUT_NAME, PIXELS_NAME
from ..base.edit_values import MAX_EDIT_VALUE
from ..base.whole_numbers import is_whole_number
from ..generator.model import GeneratorModel
from ..measure.classifier import ClassifierModel
from .protocol import InferRequest, ProtocolError, TensorSpec

# 16,384 latents (the benchmarks' largest batch): 51 MB of float32 images and 13 MB of pixels, binary; JSON text
# of the images is about three times that. Bounded so that one request cannot take the server's memory.
MAX_LATENTS_PER_REQUEST = 16_384
MAX_SEED = 2**63 - 1


@dataclass(frozen=True)
class ServedModel:
    """A model as the v2 protocol describes it, and the coroutine that serves one request."""

    name: str
    inputs: tuple[TensorSpec, ...]
    outputs: tuple[TensorSpec, ...]
    infer: Callable[[InferRequest], Awaitable[dict[str, np.ndarray]]]

    def metadata(self) -> dict[str, Any]:
        """``GET /v2/models/<name>``."""
        return {"name": self.name, "versions": ["1"], "platform": "onnxruntime_onnx",
                "inputs": [spec.as_dict() for spec in self.inputs], "outputs": [spec.as_dict() for spec in self.outputs]}

    def chosen_outputs(self, request: InferRequest) -> list[str]:
        """The outputs a request asked for (all of them when it named none), each checked to exist."""
        known = [spec.name for spec in self.outputs]
        for name in request.outputs:
            if name not in known:
                raise ProtocolError(f"unknown output {name!r}; {self.name} has {known}")
        return list(request.outputs) or known


def _whole_number(parameters: dict[str, Any], name: str, low: int, high: int) -> int:
    value = parameters.get(name)
    if not is_whole_number(value, low, high):
        raise ProtocolError(f"parameter {name!r} must be a whole number from {low} to {high:,}, got {value!r}")
    return value


def served_generator(model: GeneratorModel, compute: Callable[[np.ndarray, str], Awaitable[np.ndarray]],
                     max_latents: int = MAX_LATENTS_PER_REQUEST) -> ServedModel:
    """The generator as a v2 model; ``compute(latents, output)`` runs it (directly, or through the batcher)."""
    channels, height, width = model.image_shape
    inputs = (TensorSpec(INPUT_NAME, "FP32", (-1, model.latent_dim)),)
    outputs = (TensorSpec(OUTPUT_NAME, "FP32", (-1, channels, height, width)), TensorSpec(PIXELS_NAME, "UINT8", (-1, height, width)))
    served: ServedModel

    async def infer(request: InferRequest) -> dict[str, np.ndarray]:
        names = served.chosen_outputs(request)
        if INPUT_NAME in request.inputs:
            if "seed" in request.parameters or "n" in request.parameters:
                raise ProtocolError("send either the input 'z' or the parameters 'seed' and 'n', not both")
            latents = request.inputs[INPUT_NAME]
            if len(latents) == 0 or len(latents) > max_latents:
                raise ProtocolError(f"'z' must hold 1 to {max_latents:,} latents, got {len(latents)}")
            # Checked per request: batched with others, one bad request must not fail them all.
            if not np.all(np.abs(latents) <= MAX_EDIT_VALUE):  # False for NaN too
                raise ProtocolError(f"'z' must hold finite numbers within +-{MAX_EDIT_VALUE:g} (latents are standard "
                                    "normal; far beyond that every pixel saturates)")
        elif "seed" in request.parameters or "n" in request.parameters:
            n = _whole_number(request.parameters, "n", 1, max_latents)
            latents = model.sample_latents(n, _whole_number(request.parameters, "seed", 0, MAX_SEED))
        else:
            raise ProtocolError(f"send the input {INPUT_NAME!r} (FP32 [n, {model.latent_dim}]) or the parameters "
                                "'seed' and 'n'")
        return {name: await compute(latents, name) for name in names}

    served = ServedModel("generator", inputs, outputs, infer)
    return served


def served_classifier(model: ClassifierModel, compute: Callable[[np.ndarray], Awaitable[tuple[np.ndarray, np.ndarray]]],
                      max_images: int = MAX_LATENTS_PER_REQUEST) -> ServedModel:
    """The measuring classifier as a v2 model: ``image`` in, ``logits`` and ``features`` out."""
    shape = model.metadata.image_shape
    logits, features = CLASSIFIER_OUTPUT_NAMES
    inputs = (TensorSpec(CLASSIFIER_INPUT_NAME, "FP32", (-1, *shape)),)
    outputs = (TensorSpec(logits, "FP32", (-1, len(model.class_names))), TensorSpec(features, "FP32", (-1, model.metadata.feature_dim)))
    served: ServedModel

    async def infer(request: InferRequest) -> dict[str, np.ndarray]:
        names = served.chosen_outputs(request)
        if CLASSIFIER_INPUT_NAME not in request.inputs:
            raise ProtocolError(f"send the input {CLASSIFIER_INPUT_NAME!r} (FP32 [n, {', '.join(map(str, shape))}])")
        images = request.inputs[CLASSIFIER_INPUT_NAME]
        if not 1 <= len(images) <= max_images:
            raise ProtocolError(f"'image' must hold 1 to {max_images:,} images, got {len(images)}")
        if not np.isfinite(images).all():
            raise ProtocolError("'image' holds NaN or infinity")
        produced = dict(zip(CLASSIFIER_OUTPUT_NAMES, await compute(images)))
        return {name: produced[name] for name in names}

    served = ServedModel("classifier", inputs, outputs, infer)
    return served
