"""The two models bundled with ganedge, so the runtime works out of the box (their card: MODEL_CARD.md).

Paths only: opening them is :mod:`ganedge.runtime.generator.model` and
:mod:`ganedge.runtime.measure.classifier`'s job.
"""

from __future__ import annotations

from pathlib import Path

BUNDLED_MODEL = Path(__file__).resolve().parent / "generator.onnx"  # gan-run's default generator
BUNDLED_CLASSIFIER = Path(__file__).resolve().parent / "classifier.onnx"  # the measuring classifier
