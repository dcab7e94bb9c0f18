"""Small generator-shaped ONNX files for the runtime tests, built with ``onnx.helper``.

The graph is the report's MLP Generator with seeded random weights:
``z[N, latent] -> MatMul/Add -> LeakyRelu(0.2) -> MatMul/Add -> Tanh -> Reshape [N, C, H, W]``,
opset 17, with the ganedge metadata the exporter writes. Knobs make the wrong
files the runtime must refuse: no metadata, metadata that disagrees with the
graph, a fixed batch size.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Mapping

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

from ganedge.runtime import metadata as keys

OPSET = 17


def generator_metadata(
    latent_dim: int = 100, image_shape: tuple[int, int, int] = (1, 28, 28), **extra: str
) -> dict[str, str]:
    """The metadata_props a ganedge export carries, for a generator of this size."""
    return {
        keys.FORMAT_KEY: keys.FORMAT_GENERATOR,
        keys.KIND_KEY: "generator",
        keys.LATENT_DIM_KEY: str(latent_dim),
        keys.IMAGE_SHAPE_KEY: json.dumps(list(image_shape)),
        keys.VALUE_RANGE_KEY: json.dumps([-1.0, 1.0]),
        keys.PIXEL_MAPPING_KEY: keys.PIXEL_MAPPING,
        keys.PRECISION_KEY: "fp32",
        keys.OPSET_KEY: str(OPSET),
        keys.ARCHITECTURE_KEY: "test-factory-mlp-generator/1",
        **extra,
    }


def build_generator(
    latent_dim: int = 100,
    hidden: int = 128,
    image_shape: tuple[int, int, int] = (1, 28, 28),
    seed: int = 0,
    metadata: Mapping[str, str] | None = None,
    batch: str | int = "N",
) -> onnx.ModelProto:
    """A generator-shaped model; ``metadata=None`` writes the matching ganedge metadata, ``{}`` none."""
    rng = np.random.default_rng(seed)
    pixels = int(np.prod(image_shape))
    weights = {
        "W1": rng.standard_normal((latent_dim, hidden)) / np.sqrt(latent_dim),
        "b1": rng.standard_normal(hidden) * 0.1,
        "W2": rng.standard_normal((hidden, pixels)) * (2.0 / np.sqrt(hidden)),
        "b2": rng.standard_normal(pixels) * 0.1,
    }
    initializers = [numpy_helper.from_array(v.astype(np.float32), name) for name, v in weights.items()]
    initializers.append(numpy_helper.from_array(np.array([-1, *image_shape], dtype=np.int64), "shape"))
    nodes = [
        helper.make_node("MatMul", ["z", "W1"], ["h1"]),
        helper.make_node("Add", ["h1", "b1"], ["h2"]),
        helper.make_node("LeakyRelu", ["h2"], ["h3"], alpha=0.2),
        helper.make_node("MatMul", ["h3", "W2"], ["h4"]),
        helper.make_node("Add", ["h4", "b2"], ["h5"]),
        helper.make_node("Tanh", ["h5"], ["flat"]),
        helper.make_node("Reshape", ["flat", "shape"], [keys.OUTPUT_NAME]),
    ]
    graph = helper.make_graph(
        nodes,
        "factory_generator",
        [helper.make_tensor_value_info(keys.INPUT_NAME, TensorProto.FLOAT, [batch, latent_dim])],
        [helper.make_tensor_value_info(keys.OUTPUT_NAME, TensorProto.FLOAT, [batch, *image_shape])],
        initializers,
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)], producer_name="onnx_factory")
    model.ir_version = 8  # opset 17's IR; loads in every onnxruntime >= 1.14
    props = generator_metadata(latent_dim, image_shape) if metadata is None else dict(metadata)
    helper.set_model_props(model, props)
    onnx.checker.check_model(model)
    return model


def write_model(model: onnx.ModelProto, path: Path) -> Path:
    """Save ``model`` to ``path`` and return the path."""
    onnx.save(model, str(path))
    return Path(path)


def write_generator(path: Path, **options: object) -> Path:
    """A valid ganedge generator file (see :func:`build_generator` for the options)."""
    return write_model(build_generator(**options), path)  # type: ignore[arg-type]


def write_wrong_input_model(path: Path) -> Path:
    """A graph taking ``z[N, 64]`` whose metadata claims a latent size of 100."""
    return write_model(build_generator(latent_dim=64, metadata=generator_metadata(latent_dim=100)), path)


def write_no_metadata_model(path: Path) -> Path:
    """A generator-shaped graph with no ganedge metadata (a plain torch.onnx.export, say)."""
    return write_model(build_generator(metadata={}), path)


def reference_images(model: onnx.ModelProto, latents: np.ndarray) -> np.ndarray:
    """The factory graph computed in plain numpy (float64), to check the runtime's output against."""
    weights = {init.name: numpy_helper.to_array(init).astype(np.float64) for init in model.graph.initializer}
    hidden = latents.astype(np.float64) @ weights["W1"] + weights["b1"]
    hidden = np.where(hidden > 0, hidden, 0.2 * hidden)
    flat = np.tanh(hidden @ weights["W2"] + weights["b2"])
    return flat.reshape(len(latents), *weights["shape"].astype(int)[1:])
