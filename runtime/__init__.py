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
"""

from __future__ import annotations

from .errors import GanRuntimeError
from .generator import BUNDLED_MODEL, DEFAULT_CHUNK_SIZE, GeneratorModel, load_generator
from .grid import render_grid, save_png, to_uint8
from .latent import experiment_rows, perturb_label, perturb_latents, sample_latents
from .metadata import GeneratorMetadata
from .session import DEVICES

__all__ = [
    "BUNDLED_MODEL",
    "DEFAULT_CHUNK_SIZE",
    "DEVICES",
    "GanRuntimeError",
    "GeneratorMetadata",
    "GeneratorModel",
    "experiment_rows",
    "load_generator",
    "perturb_label",
    "perturb_latents",
    "render_grid",
    "sample_latents",
    "save_png",
    "to_uint8",
]
