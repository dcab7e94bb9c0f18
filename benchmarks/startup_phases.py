"""Where a cold start's time goes: run as a fresh child, it times each phase and prints JSON.

``python benchmarks/startup_phases.py runtime MODEL.onnx OUT.png`` times the
phases of ``gan-run``'s job (imports one by one, session creation, generation,
the labelled grid and its PNG, drawn as gan-run draws them); ``... torch CHECKPOINT OUT.png`` those of the PyTorch script. Imports
are timed in dependency order so each line is what that import adds.
The interpreter's own start is measured by the caller (``python -c pass``).
"""

from __future__ import annotations

import json
import resource
import sys
import time


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 / 1e6


class PhaseClock:
    """Seconds since the previous mark, and peak RSS after it, for each named phase."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}
        self.peak_rss_mb_after: dict[str, float] = {}
        self._started = time.perf_counter()

    def mark(self, name: str) -> None:
        now = time.perf_counter()
        self.seconds[name] = now - self._started
        self.peak_rss_mb_after[name] = _rss_mb()
        self._started = now

    def to_dict(self) -> dict[str, dict[str, float]]:
        return {"seconds": self.seconds, "peak_rss_mb_after": self.peak_rss_mb_after}


def runtime_phases(model: str, out: str) -> dict[str, dict[str, float]]:
    phases = PhaseClock()
    mark = phases.mark
    import numpy  # noqa: F401

    mark("import numpy")
    import onnxruntime  # noqa: F401

    mark("import onnxruntime")
    import ganedge.runtime.commands.run  # noqa: F401  (click and the command's module)
    from ganedge.runtime import GeneratorModel
    from ganedge.runtime.base.pictures import grid_pixels, save_png  # what gan-run draws with: no Pillow

    mark("import gan-run's command and the runtime (click, runtime)")
    generator = GeneratorModel(model, device="cpu")
    mark("open the session (GeneratorModel)")
    images = generator.generate(generator.sample_latents(8, 0))
    mark("generate 8 images")
    save_png(grid_pixels([images], ["random z"]), out)
    mark("render and save the PNG")
    return phases.to_dict()


def torch_phases(checkpoint: str, out: str) -> dict[str, dict[str, float]]:
    phases = PhaseClock()
    mark = phases.mark
    import numpy  # noqa: F401

    mark("import numpy")
    import torch

    mark("import torch")
    import PIL.Image  # noqa: F401

    mark("import PIL")
    from torch_baseline import Generator, grid  # the baseline script's own model and grid

    state = torch.load(checkpoint, map_location="cpu", weights_only=True)
    generator = Generator(int(state["config"]["latent_dim"]))
    generator.load_state_dict(state["generator"])
    generator.eval()
    mark("load the checkpoint")
    with torch.inference_mode():
        images = generator(torch.randn(8, generator.fc1.in_features, generator=torch.Generator().manual_seed(0))).numpy()
    mark("generate 8 images")
    grid(images).save(out)
    mark("render and save the PNG")
    return phases.to_dict()


if __name__ == "__main__":
    kind, source, target = sys.argv[1:4]
    print(json.dumps(runtime_phases(source, target) if kind == "runtime" else torch_phases(source, target)))
