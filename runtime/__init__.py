"""ganedge's lightweight runtime: a ganedge generator ``.onnx`` -> images -> PNG grids.

numpy + onnxruntime + Pillow only, never torch. Latent numbers count from 1
to the latent size everywhere, as in the report ("the 71st number" is index
70). The package is built in floors, each importing only the ones below it:

1. :mod:`ganedge.runtime.base`: errors, the ``.onnx`` contract, pixels,
   SeFa storage, files, pictures, the dataset reader;
2. :mod:`ganedge.runtime.generator`: sessions, :class:`GeneratorModel`,
   latents, directions;
3. :mod:`ganedge.runtime.measure`: the classifier, metrics, class shares,
   ``gan-eval``'s and ``gan-sweep``'s measurements, text tables;
4. :mod:`ganedge.runtime.commands`: one module per command over shared options.

The names below are imported on first use (PEP 562), so ``import
ganedge.runtime`` and every command's ``--help`` stay instant.

Examples
--------
>>> from ganedge.runtime import load_generator, save_png
>>> model = load_generator(device="auto")  # the bundled model; or load_generator("my.onnx")
>>> z = model.sample_latents(8, seed=0)
>>> rows = [model.generate(z)] + [model.generate(v) for v in model.perturb(z, 71, [-10, 10, 100])]
>>> grid = model.render(rows, ["random z", "#71 = -10", "#71 = 10", "#71 = 100"])
>>> save_png(grid, "perturb.png").name
'perturb.png'

What the rows show, measured (``gan-run --explain``; ``gan-eval`` and
``gan-sweep`` build on the same classifier):

>>> import numpy as np
>>> from ganedge.runtime import load_classifier, row_class_shares
>>> classifier = load_classifier(device="auto")  # the bundled FashionMNIST classifier
>>> row_class_shares(classifier, np.stack(rows)).shape   # class shares per row, each row sums to 1
(4, 10)
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the same names, for type checkers (tests/test_layering.py keeps both lists equal)
    from .base.contract import ClassifierMetadata, GeneratorMetadata
    from .base.devices import DEVICES
    from .base.errors import GanRuntimeError, GanedgeError
    from .base.pictures import render_grid, save_png
    from .base.pixels import to_uint8
    from .base.sefa import SefaDirections
    from .generator.directions import random_directions, sefa_directions, walk_direction
    from .generator.interpolate import lerp, slerp
    from .generator.latents import experiment_rows, perturb_label, perturb_latents, sample_latents
    from .generator.model import DEFAULT_CHUNK_SIZE, GeneratorModel, load_generator
    from .generator.projection import Projection, project, read_latents
    from .measure.classifier import ClassifierModel, load_classifier
    from .measure.evaluate import Evaluation, SampleQuality, evaluate
    from .measure.interpolation import compare_midpoints
    from .measure.shares import class_shares, row_class_shares, total_variation
    from .measure.sweep import SweepResult, sweep_directions, sweep_latent_numbers
    from .models import BUNDLED_CLASSIFIER, BUNDLED_MODEL

# public name -> the module (below ganedge.runtime) that defines it
_EXPORTS = {
    "GanedgeError": "base.errors",
    "GanRuntimeError": "base.errors",
    "GeneratorMetadata": "base.contract",
    "ClassifierMetadata": "base.contract",
    "to_uint8": "base.pixels",
    "SefaDirections": "base.sefa",
    "render_grid": "base.pictures",
    "save_png": "base.pictures",
    "DEVICES": "base.devices",
    "BUNDLED_MODEL": "models",
    "BUNDLED_CLASSIFIER": "models",
    "GeneratorModel": "generator.model",
    "load_generator": "generator.model",
    "DEFAULT_CHUNK_SIZE": "generator.model",
    "sample_latents": "generator.latents",
    "perturb_latents": "generator.latents",
    "perturb_label": "generator.latents",
    "experiment_rows": "generator.latents",
    "sefa_directions": "generator.directions",
    "lerp": "generator.interpolate",
    "slerp": "generator.interpolate",
    "Projection": "generator.projection",
    "project": "generator.projection",
    "read_latents": "generator.projection",
    "compare_midpoints": "measure.interpolation",
    "random_directions": "generator.directions",
    "walk_direction": "generator.directions",
    "ClassifierModel": "measure.classifier",
    "load_classifier": "measure.classifier",
    "class_shares": "measure.shares",
    "row_class_shares": "measure.shares",
    "total_variation": "measure.shares",
    "Evaluation": "measure.evaluate",
    "SampleQuality": "measure.evaluate",
    "evaluate": "measure.evaluate",
    "SweepResult": "measure.sweep",
    "sweep_directions": "measure.sweep",
    "sweep_latent_numbers": "measure.sweep",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    """Import the public name's module on first use and cache the name here."""
    if name not in _EXPORTS:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{_EXPORTS[name]}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
