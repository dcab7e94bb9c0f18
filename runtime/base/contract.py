"""The ``.onnx`` contract: what a ganedge model file says about itself, written and read here alone.

A ganedge ``.onnx`` file is self-describing: everything a runtime needs to
turn its output into pictures (latent size, image shape, value range) and
where it came from (training summary, checksums, validation figures, SeFa
directions) lives in the model's ``metadata_props``, read back with
``InferenceSession.get_modelmeta().custom_metadata_map``. ``gan-export``
writes these entries with :func:`generator_props` / :func:`classifier_props`,
the runtime reads them with :meth:`GeneratorMetadata.from_map` /
:meth:`ClassifierMetadata.from_map`, and the test factory uses the same two
writers, so the key names and their encoding exist once.

Every value is a string, as ONNX requires; structured values are JSON.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from typing import Any, Mapping, Sequence

from .pixels import PIXEL_MAPPING, VALUE_RANGE

FORMAT_KEY = "ganedge.format"
FORMAT_GENERATOR = "ganedge-generator/1"
FORMAT_CLASSIFIER = "ganedge-classifier/1"

KIND_KEY = "ganedge.kind"  # "generator" | "classifier"
LATENT_DIM_KEY = "ganedge.latent_dim"  # "100"
IMAGE_SHAPE_KEY = "ganedge.image_shape"  # JSON: [1, 28, 28] (channels, height, width)
VALUE_RANGE_KEY = "ganedge.value_range"  # JSON: [-1.0, 1.0]
PIXEL_MAPPING_KEY = "ganedge.pixel_mapping"  # human-readable formula for uint8 pixels
PRECISION_KEY = "ganedge.precision"  # "fp32" | "fp16" | "int8"
OPSET_KEY = "ganedge.opset"  # "17"
VERSION_KEY = "ganedge.version"  # ganedge version that exported the file
ARCHITECTURE_KEY = "ganedge.architecture"  # e.g. "report-mlp-generator/1"
TRAINING_KEY = "ganedge.training"  # JSON: epochs, steps, seed, dataset checksums, ...
CHECKPOINT_SHA256_KEY = "ganedge.checkpoint_sha256"
EXPORTED_AT_KEY = "ganedge.exported_at"  # ISO 8601, UTC
VALIDATION_KEY = "ganedge.validation"  # JSON: max abs diff / PSNR per batch size
# Closed-form latent directions (SeFa, Shen & Zhou, CVPR 2021), computed by the exporter from the
# generator's first layer; encoded by ganedge.runtime.base.sefa.
SEFA_KEY = "ganedge.sefa"
CLASS_NAMES_KEY = "ganedge.class_names"  # JSON list, index = class id
FEATURE_DIM_KEY = "ganedge.feature_dim"  # "128"
TEST_ACCURACY_KEY = "ganedge.test_accuracy"  # on the FashionMNIST test split, e.g. "0.9254"

INPUT_NAME = "z"  # float32 [N, latent_dim]
OUTPUT_NAME = "image"  # float32 [N, C, H, W] in the value range: the float contract, in every file
PIXELS_NAME = "pixels"  # uint8 [N, H, W], the pixel mapping computed in the graph (files from ganedge 0.2 on)
OUTPUTS_KEY = "ganedge.outputs"  # JSON list of the graph's outputs; absent in older files, which have "image" only
CLASSIFIER_INPUT_NAME = "image"  # float32 [N, 1, 28, 28] in [-1, 1], as the generator makes them
CLASSIFIER_OUTPUT_NAMES = ("logits", "features")

IMAGE_SHAPE = (1, 28, 28)
MAX_LATENT_DIM = 10_000  # bounds what a file may claim, so a hostile one cannot make the runtime allocate gigabytes
MAX_IMAGE_SIDE = 4096


def _json(value: Any) -> str:
    return json.dumps(value, sort_keys=True)


def _provenance(version: str, architecture: str, opset: int, training: Mapping[str, Any] | None,
                checkpoint_sha256: str | None, exported_at: str | None,
                validation: Mapping[str, Any] | None) -> dict[str, str]:
    props = {OPSET_KEY: str(opset), VERSION_KEY: version, ARCHITECTURE_KEY: architecture}
    if training is not None:
        props[TRAINING_KEY] = _json(training)
    if checkpoint_sha256 is not None:
        props[CHECKPOINT_SHA256_KEY] = checkpoint_sha256
    if exported_at is not None:
        props[EXPORTED_AT_KEY] = exported_at
    if validation is not None:
        props[VALIDATION_KEY] = _json(validation)
    return props


def generator_props(
    *, latent_dim: int, precision: str, opset: int, architecture: str, version: str,
    image_shape: Sequence[int] = IMAGE_SHAPE, training: Mapping[str, Any] | None = None,
    checkpoint_sha256: str | None = None, exported_at: str | None = None,
    validation: Mapping[str, Any] | None = None, sefa: str | None = None, outputs: Sequence[str] = (OUTPUT_NAME,),
) -> dict[str, str]:
    """The ``metadata_props`` of a generator file, every value a string.

    Examples
    --------
    >>> props = generator_props(latent_dim=100, precision="fp32", opset=17, architecture="a/1", version="0.1")
    >>> GeneratorMetadata.from_map(props).latent_dim
    100
    """
    props = {
        FORMAT_KEY: FORMAT_GENERATOR,
        KIND_KEY: "generator",
        LATENT_DIM_KEY: str(int(latent_dim)),
        IMAGE_SHAPE_KEY: json.dumps([int(v) for v in image_shape]),
        VALUE_RANGE_KEY: json.dumps(list(VALUE_RANGE)),
        PIXEL_MAPPING_KEY: PIXEL_MAPPING,
        PRECISION_KEY: precision,
        OUTPUTS_KEY: json.dumps(list(outputs)),
        **_provenance(version, architecture, opset, training, checkpoint_sha256, exported_at, validation),
    }
    if sefa is not None:
        props[SEFA_KEY] = sefa
    return props


def classifier_props(
    *, class_names: Sequence[str], feature_dim: int, opset: int, architecture: str, version: str,
    test_accuracy: float | None = None, training: Mapping[str, Any] | None = None,
    checkpoint_sha256: str | None = None, exported_at: str | None = None,
    validation: Mapping[str, Any] | None = None,
) -> dict[str, str]:
    """The ``metadata_props`` of a measuring-classifier file, every value a string.

    Examples
    --------
    >>> props = classifier_props(class_names=["a", "b"], feature_dim=8, opset=17, architecture="c/1", version="0.1")
    >>> ClassifierMetadata.from_map(props).class_names
    ('a', 'b')
    """
    props = {
        FORMAT_KEY: FORMAT_CLASSIFIER,
        KIND_KEY: "classifier",
        IMAGE_SHAPE_KEY: json.dumps(list(IMAGE_SHAPE)),
        VALUE_RANGE_KEY: json.dumps(list(VALUE_RANGE)),
        CLASS_NAMES_KEY: json.dumps(list(class_names)),
        FEATURE_DIM_KEY: str(int(feature_dim)),
        **_provenance(version, architecture, opset, training, checkpoint_sha256, exported_at, validation),
    }
    if test_accuracy is not None:
        props[TEST_ACCURACY_KEY] = f"{float(test_accuracy):.4f}"
    return props


@dataclass(frozen=True)
class GeneratorMetadata:
    """What the runtime knows about a generator model, parsed from its file.

    Examples
    --------
    >>> meta = GeneratorMetadata.from_map({
    ...     FORMAT_KEY: FORMAT_GENERATOR, KIND_KEY: "generator",
    ...     LATENT_DIM_KEY: "100", IMAGE_SHAPE_KEY: "[1, 28, 28]",
    ...     VALUE_RANGE_KEY: "[-1, 1]"})
    >>> meta.latent_dim, meta.image_shape
    (100, (1, 28, 28))
    """

    latent_dim: int
    image_shape: tuple[int, int, int]
    value_range: tuple[float, float]
    raw: Mapping[str, str] = field(default_factory=dict)
    outputs: tuple[str, ...] = (OUTPUT_NAME,)

    @property
    def has_pixels(self) -> bool:
        """Whether the graph computes the uint8 pixels itself (``pixels``), so the runtime need not."""
        return PIXELS_NAME in self.outputs

    @classmethod
    def from_map(cls, props: Mapping[str, str]) -> "GeneratorMetadata":
        """Parse ``custom_metadata_map``; raise ``ValueError`` naming what is missing or wrong."""
        if props.get(FORMAT_KEY) != FORMAT_GENERATOR or props.get(KIND_KEY) != "generator":
            found = props.get(KIND_KEY) or props.get(FORMAT_KEY) or "no ganedge metadata"
            raise ValueError(
                f"not a ganedge generator model (found: {found}); export one with `gan-export`"
            )
        try:
            latent_dim = int(props[LATENT_DIM_KEY])
            shape = tuple(int(v) for v in json.loads(props[IMAGE_SHAPE_KEY]))
            low, high = (float(v) for v in json.loads(props[VALUE_RANGE_KEY]))
            outputs = tuple(str(name) for name in json.loads(props.get(OUTPUTS_KEY, json.dumps([OUTPUT_NAME]))))
        except (KeyError, ValueError, TypeError) as error:
            raise ValueError(f"ganedge metadata is incomplete or malformed ({error!r})") from None
        if (not 0 < latent_dim <= MAX_LATENT_DIM or len(shape) != 3 or not all(0 < v <= MAX_IMAGE_SIDE for v in shape)
                or not (math.isfinite(low) and math.isfinite(high) and low < high)):
            raise ValueError(
                f"ganedge metadata is inconsistent: latent_dim={latent_dim}, "
                f"image_shape={shape}, value_range=({low}, {high})"
            )
        if outputs not in ((OUTPUT_NAME,), (OUTPUT_NAME, PIXELS_NAME)):
            raise ValueError(f"ganedge metadata lists outputs {list(outputs)}; a generator has {OUTPUT_NAME!r}, "
                             f"and {PIXELS_NAME!r} after it")
        return cls(latent_dim, (shape[0], shape[1], shape[2]), (low, high), dict(props), outputs)

    def json_field(self, key: str) -> Any:
        """A JSON-valued entry (training summary, validation figures), or ``None`` if absent."""
        value = self.raw.get(key)
        return None if value is None else json.loads(value)


HOW_TO_GET_CLASSIFIER = "train one with `gan-train-classifier`, export it with `gan-export --classifier`, pass --classifier PATH"


@dataclass(frozen=True)
class ClassifierMetadata:
    """What a classifier file says about itself.

    Examples
    --------
    >>> meta = ClassifierMetadata.from_map({
    ...     FORMAT_KEY: FORMAT_CLASSIFIER, KIND_KEY: "classifier", IMAGE_SHAPE_KEY: "[1, 28, 28]",
    ...     CLASS_NAMES_KEY: '["a", "b"]', FEATURE_DIM_KEY: "128", TEST_ACCURACY_KEY: "0.9"})
    >>> meta.class_names, meta.feature_dim, meta.test_accuracy
    (('a', 'b'), 128, 0.9)
    """

    class_names: tuple[str, ...]
    feature_dim: int
    image_shape: tuple[int, int, int]
    test_accuracy: float | None
    raw: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def from_map(cls, props: Mapping[str, str]) -> "ClassifierMetadata":
        """Parse ``custom_metadata_map``; raise ``ValueError`` saying what the file is instead."""
        kind = props.get(KIND_KEY)
        if kind == "generator":
            raise ValueError("is a ganedge generator, not the classifier; give it as --model and a classifier as --classifier")
        if props.get(FORMAT_KEY) != FORMAT_CLASSIFIER or kind != "classifier":
            found = kind or props.get(FORMAT_KEY) or "no ganedge metadata"
            raise ValueError(f"is not a ganedge classifier (found: {found}); {HOW_TO_GET_CLASSIFIER}")
        try:
            names = tuple(str(name) for name in json.loads(props[CLASS_NAMES_KEY]))
            feature_dim = int(props[FEATURE_DIM_KEY])
            shape = tuple(int(v) for v in json.loads(props[IMAGE_SHAPE_KEY]))
            accuracy = float(props[TEST_ACCURACY_KEY]) if TEST_ACCURACY_KEY in props else None
        except (KeyError, ValueError, TypeError) as error:
            raise ValueError(f"has incomplete or malformed classifier metadata ({error!r})") from None
        if len(names) < 2 or feature_dim < 1 or len(shape) != 3:
            raise ValueError(f"has inconsistent classifier metadata: {len(names)} classes, feature size {feature_dim}, image shape {shape}")
        return cls(names, feature_dim, (shape[0], shape[1], shape[2]), accuracy, dict(props))
