"""Small generator-shaped ONNX files for the runtime tests, built with ``onnx.helper``.

The graph is the report's MLP Generator with seeded random weights:
``z[N, latent] -> MatMul/Add -> LeakyRelu(0.2) -> MatMul/Add -> Tanh -> Reshape [N, C, H, W]``,
opset 17, with the ganedge metadata the exporter writes. Knobs make the wrong
files the runtime must refuse: no metadata, metadata that disagrees with the
graph, a fixed batch size. ``with_sefa`` adds the SeFa directions the exporter
stores; ``build_classifier`` makes a classifier-shaped file (a random
projection with the classifier's input, outputs and metadata).
"""

from __future__ import annotations

from pathlib import Path
from typing import Mapping

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

from ganedge.runtime.base import contract as keys

OPSET = 17


def generator_metadata(
    latent_dim: int = 100, image_shape: tuple[int, int, int] = (1, 28, 28), outputs: tuple[str, ...] = ("image",),
    **extra: str,
) -> dict[str, str]:
    """The metadata_props a ganedge export carries, for a generator of this size (the contract's own writer)."""
    return {**keys.generator_props(latent_dim=latent_dim, image_shape=image_shape, precision="fp32", opset=OPSET,
                                   architecture="test-factory-mlp-generator/1", version="test", outputs=outputs),
            **extra}


def build_generator(
    latent_dim: int = 100,
    hidden: int = 128,
    image_shape: tuple[int, int, int] = (1, 28, 28),
    seed: int = 0,
    metadata: Mapping[str, str] | None = None,
    batch: str | int = "N",
    declared_output: list[int | str] | None = None,
    reshape_to: list[int] | None = None,
    pixels: bool = False,
) -> onnx.ModelProto:
    """A generator-shaped model; ``metadata=None`` writes the matching ganedge metadata, ``{}`` none.

    ``declared_output`` replaces the output shape the graph declares (symbolic
    dims let a file lie about what it computes); ``reshape_to`` the shape its
    last Reshape produces (a fixed batch makes a file that fails at run time).
    ``pixels`` adds the uint8 ``pixels`` output with the exporter's own nodes,
    as files from ganedge 0.2 on have it.
    """
    rng = np.random.default_rng(seed)
    pixel_count = int(np.prod(image_shape))
    weights = {
        "W1": rng.standard_normal((latent_dim, hidden)) / np.sqrt(latent_dim),
        "b1": rng.standard_normal(hidden) * 0.1,
        "W2": rng.standard_normal((hidden, pixel_count)) * (2.0 / np.sqrt(hidden)),
        "b2": rng.standard_normal(pixel_count) * 0.1,
    }
    initializers = [numpy_helper.from_array(v.astype(np.float32), name) for name, v in weights.items()]
    shape = [-1, *image_shape] if reshape_to is None else reshape_to
    initializers.append(numpy_helper.from_array(np.array(shape, dtype=np.int64), "shape"))
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
        [helper.make_tensor_value_info(keys.OUTPUT_NAME, TensorProto.FLOAT,
                                       [batch, *image_shape] if declared_output is None else declared_output)],
        initializers,
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)], producer_name="onnx_factory")
    model.ir_version = 8  # opset 17's IR; loads in every onnxruntime >= 1.14
    outputs = (keys.OUTPUT_NAME,)
    if pixels:
        from ganedge.export.pixels import add_pixels_output

        add_pixels_output(model, image_shape[1], image_shape[2])
        outputs = (keys.OUTPUT_NAME, keys.PIXELS_NAME)
    props = generator_metadata(latent_dim, image_shape, outputs=outputs) if metadata is None else dict(metadata)
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


def write_lying_generator(path: Path) -> Path:
    """A file whose metadata says 28x28 and whose declared output is symbolic, but which computes 10x10 images.

    Its last Reshape takes a shape computed from the latents' values
    (``[-1, 1, 10, 10] + sum(0 * z)``), so no static shape inference can see
    through it: only running it tells.
    """
    model = build_generator(image_shape=(1, 10, 10), metadata=generator_metadata(image_shape=(1, 28, 28)),
                            declared_output=["N", "c", "h", "w"])
    graph = model.graph
    graph.initializer.append(numpy_helper.from_array(np.array([-1, 1, 10, 10], np.float32), "shape_values"))
    graph.initializer.append(numpy_helper.from_array(np.array(0, np.float32), "zero"))
    graph.node.insert(len(graph.node) - 1, helper.make_node("Mul", [keys.INPUT_NAME, "zero"], ["z0"]))
    graph.node.insert(len(graph.node) - 1, helper.make_node("ReduceSum", ["z0"], ["nothing"], keepdims=0))
    graph.node.insert(len(graph.node) - 1, helper.make_node("Add", ["shape_values", "nothing"], ["shape_float"]))
    graph.node.insert(len(graph.node) - 1, helper.make_node("Cast", ["shape_float"], ["computed_shape"], to=TensorProto.INT64))
    graph.node[-1].input[1] = "computed_shape"
    onnx.checker.check_model(model)
    return write_model(model, path)


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


def with_sefa(model: onnx.ModelProto) -> onnx.ModelProto:
    """Add the SeFa directions of the model's first layer, written by the exporter's own function.

    The factory's ``W1`` is ``[latent, hidden]`` (``z @ W1``); the exporter takes
    torch's ``[hidden, latent]`` weight, so it gets ``W1.T``.
    """
    from ganedge.runtime.base.sefa import encode_sefa, factorize_first_layer

    weights = {init.name: numpy_helper.to_array(init) for init in model.graph.initializer}
    props = {entry.key: entry.value for entry in model.metadata_props}
    props[keys.SEFA_KEY] = encode_sefa(factorize_first_layer(weights["W1"].T))
    del model.metadata_props[:]
    helper.set_model_props(model, props)
    return model


def write_generator_with_sefa(path: Path, **options: object) -> Path:
    """A valid generator file that also stores its SeFa directions, as ``gan-export`` writes them."""
    return write_model(with_sefa(build_generator(**options)), path)  # type: ignore[arg-type]


def first_layer_weight(path: Path) -> np.ndarray:
    """The factory generator's ``W1`` ``[latent, hidden]``, read back from its file."""
    model = onnx.load(str(path))
    return next(numpy_helper.to_array(init) for init in model.graph.initializer if init.name == "W1")


def classifier_metadata(num_classes: int = 10, feature_dim: int = 128, **extra: str) -> dict[str, str]:
    """The metadata_props ``gan-export --classifier`` writes (the contract's own writer)."""
    from ganedge.runtime.base.dataset import CLASS_NAMES

    names = list(CLASS_NAMES) if num_classes == len(CLASS_NAMES) else [f"class {i}" for i in range(num_classes)]
    return {**keys.classifier_props(class_names=names, feature_dim=feature_dim, test_accuracy=0.5, opset=OPSET,
                                    architecture="test-factory-classifier/1", version="test"), **extra}


def build_classifier(
    num_classes: int = 10, feature_dim: int = 128, seed: int = 0, metadata: Mapping[str, str] | None = None
) -> onnx.ModelProto:
    """A classifier-shaped model: ``image[N, 1, 28, 28] -> flatten -> MatMul/Add -> Relu = features
    -> MatMul/Add = logits``, seeded random weights (a random-projection feature space).
    """
    rng = np.random.default_rng(seed)
    weights = {
        "C1": rng.standard_normal((784, feature_dim)) / np.sqrt(784),
        "c1": rng.standard_normal(feature_dim) * 0.1,
        "C2": rng.standard_normal((feature_dim, num_classes)) * (3.0 / np.sqrt(feature_dim)),
        "c2": np.zeros(num_classes),
    }
    initializers = [numpy_helper.from_array(v.astype(np.float32), name) for name, v in weights.items()]
    initializers.append(numpy_helper.from_array(np.array([-1, 784], dtype=np.int64), "flat_shape"))
    logits, features = keys.CLASSIFIER_OUTPUT_NAMES
    nodes = [
        helper.make_node("Reshape", [keys.CLASSIFIER_INPUT_NAME, "flat_shape"], ["flat"]),
        helper.make_node("MatMul", ["flat", "C1"], ["f1"]),
        helper.make_node("Add", ["f1", "c1"], ["f2"]),
        helper.make_node("Relu", ["f2"], [features]),
        helper.make_node("MatMul", [features, "C2"], ["l1"]),
        helper.make_node("Add", ["l1", "c2"], [logits]),
    ]
    graph = helper.make_graph(
        nodes,
        "factory_classifier",
        [helper.make_tensor_value_info(keys.CLASSIFIER_INPUT_NAME, TensorProto.FLOAT, ["N", 1, 28, 28])],
        [helper.make_tensor_value_info(logits, TensorProto.FLOAT, ["N", num_classes]),
         helper.make_tensor_value_info(features, TensorProto.FLOAT, ["N", feature_dim])],
        initializers,
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)], producer_name="onnx_factory")
    model.ir_version = 8
    helper.set_model_props(model, classifier_metadata(num_classes, feature_dim) if metadata is None else dict(metadata))
    onnx.checker.check_model(model)
    return model


def write_classifier(path: Path, **options: object) -> Path:
    """A valid ganedge classifier file (see :func:`build_classifier` for the options)."""
    return write_model(build_classifier(**options), path)  # type: ignore[arg-type]
