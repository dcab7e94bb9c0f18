"""ganedge's lightweight runtime: a ganedge generator ``.onnx`` -> images -> PNG grids.

numpy + onnxruntime + Pillow only; importing this package reads no model and
does not import onnxruntime (that happens when a model is opened) or torch.
Latent numbers count from 1 to the latent size everywhere, as in the report
("the 71st number" is index 70).

Examples
--------
>>> from ganedge.runtime import load_generator, save_png
>>> model = load_generator(device="auto")  # the bundled model; or load_generator("my.onnx")
>>> z = model.sample_latents(8, seed=0)
>>> rows = [model.generate(z)] + [model.generate(v) for v in model.perturb(z, 71, [-10, 10, 100])]
>>> grid = model.render(rows, ["random z", "#71 = -10", "#71 = 10", "#71 = 100"])
>>> save_png(grid, "perturb.png")   # doctest: +SKIP

What the rows show, measured (``gan-run --explain``; ``gan-eval`` and
``gan-sweep`` build on the same classifier):

>>> import numpy as np
>>> from ganedge.runtime import load_classifier, row_class_shares
>>> classifier = load_classifier(device="auto")  # the bundled FashionMNIST classifier
>>> row_class_shares(classifier, np.stack(rows)).shape   # class shares per row, each row sums to 1
(4, 10)
"""

from __future__ import annotations

from .classifier import BUNDLED_CLASSIFIER, ClassifierModel, load_classifier
from .directions import SefaDirections, random_directions, sefa_directions, walk_direction
from .errors import GanRuntimeError
from .evaluate import Evaluation, SampleQuality, evaluate
from .generator import BUNDLED_MODEL, DEFAULT_CHUNK_SIZE, GeneratorModel, load_generator
from .grid import render_grid, save_png, to_uint8
from .latent import experiment_rows, perturb_label, perturb_latents, sample_latents
from .metadata import GeneratorMetadata
from .semantics import SweepResult, class_shares, row_class_shares, sweep_directions, sweep_latent_numbers, total_variation
from .session import DEVICES

__all__ = [
    "BUNDLED_CLASSIFIER",
    "BUNDLED_MODEL",
    "ClassifierModel",
    "DEFAULT_CHUNK_SIZE",
    "DEVICES",
    "Evaluation",
    "GanRuntimeError",
    "GeneratorMetadata",
    "GeneratorModel",
    "SampleQuality",
    "SefaDirections",
    "SweepResult",
    "class_shares",
    "evaluate",
    "experiment_rows",
    "load_classifier",
    "load_generator",
    "perturb_label",
    "perturb_latents",
    "random_directions",
    "render_grid",
    "row_class_shares",
    "sample_latents",
    "save_png",
    "sefa_directions",
    "sweep_directions",
    "sweep_latent_numbers",
    "to_uint8",
    "total_variation",
    "walk_direction",
]
