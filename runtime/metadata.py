"""The metadata contract between ``gan-export`` and the runtime.

A ganedge ``.onnx`` file is self-describing: everything the runtime needs to
turn its output into pictures lives in the model's ``metadata_props`` (read
back with ``InferenceSession.get_modelmeta().custom_metadata_map``). The
exporter writes these keys, the runtime reads them; the key names live here,
once, and the exporter imports them (the runtime never imports the exporter).

Every value is a string, as ONNX requires. Structured values are JSON.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Mapping

FORMAT_KEY = "ganedge.format"
FORMAT_GENERATOR = "ganedge-generator/1"

KIND_KEY = "ganedge.kind"  # "generator"
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

INPUT_NAME = "z"
OUTPUT_NAME = "image"

PIXEL_MAPPING = "uint8 = clip(round((value + 1) * 127.5), 0, 255)"


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
        except (KeyError, ValueError, TypeError) as error:
            raise ValueError(f"ganedge metadata is incomplete or malformed ({error!r})") from None
        if latent_dim <= 0 or len(shape) != 3 or min(shape) <= 0 or not low < high:
            raise ValueError(
                f"ganedge metadata is inconsistent: latent_dim={latent_dim}, "
                f"image_shape={shape}, value_range=({low}, {high})"
            )
        return cls(latent_dim, (shape[0], shape[1], shape[2]), (low, high), dict(props))

    def json_field(self, key: str) -> Any:
        """A JSON-valued entry (training summary, validation figures), or ``None`` if absent."""
        value = self.raw.get(key)
        return None if value is None else json.loads(value)


# The measuring classifier (``gan-train-classifier`` + ``gan-export --classifier``).
FORMAT_CLASSIFIER = "ganedge-classifier/1"
CLASSIFIER_INPUT_NAME = "image"  # float32 [N, 1, 28, 28] in [-1, 1], as the generator makes them
CLASSIFIER_OUTPUT_NAMES = ("logits", "features")
CLASS_NAMES_KEY = "ganedge.class_names"  # JSON list, index = class id
FEATURE_DIM_KEY = "ganedge.feature_dim"  # "128"
TEST_ACCURACY_KEY = "ganedge.test_accuracy"  # on the FashionMNIST test split, e.g. "0.9254"

# Closed-form latent directions (SeFa, Shen & Zhou, CVPR 2021), computed by the
# exporter from the generator's first layer: JSON {"eigenvalues": [k floats,
# descending], "directions": base64 of float32 [k, latent_dim], unit rows}.
SEFA_KEY = "ganedge.sefa"
