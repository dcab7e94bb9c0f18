"""The job of ``gan-run --model X --out Y``, done the plain PyTorch way: the cold-start baseline.

Import torch, load the checkpoint, generate a few images, save them as one
PNG grid with PIL. It is what a user without ganedge's runtime would write,
and the benchmark times it as a fresh process against ``gan-run``. It needs
only torch, NumPy and Pillow, so it measures what PyTorch itself costs.

Examples
--------
    python benchmarks/torch_baseline.py --checkpoint runs/latest/checkpoint.pt --out grid.png
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import torch
from PIL import Image
from torch import nn

PADDING = 2
SCALE = 3  # gan-run's default enlargement, so both write the same size of picture


class Generator(nn.Module):
    """The report's generator (as in ``ganedge.train.model``), restated so the script stands alone."""

    def __init__(self, latent_dim: int = 100) -> None:
        super().__init__()
        self.fc1 = nn.Linear(latent_dim, 128)
        self.nonlin1 = nn.LeakyReLU(0.2)
        self.fc2 = nn.Linear(128, 784)

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return torch.tanh(self.fc2(self.nonlin1(self.fc1(z)))).reshape(z.shape[0], 1, 28, 28)


def grid(images: np.ndarray, scale: int = SCALE) -> Image.Image:
    """Float images ``[n, 1, 28, 28]`` in [-1, 1] -> one row of grey tiles, enlarged ``scale`` times."""
    pixels = np.clip(np.rint((images[:, 0] + 1.0) * 127.5), 0, 255).astype(np.uint8)
    count, height, width = pixels.shape
    canvas = np.zeros((height + 2 * PADDING, count * (width + PADDING) + PADDING), np.uint8)
    for i, tile in enumerate(pixels):
        left = PADDING + i * (width + PADDING)
        canvas[PADDING:PADDING + height, left:left + width] = tile
    picture = Image.fromarray(canvas)
    return picture.resize((picture.width * scale, picture.height * scale), Image.Resampling.NEAREST)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--checkpoint", type=Path, required=True)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--count", type=int, default=8)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    state = torch.load(args.checkpoint, map_location="cpu", weights_only=True)
    generator = Generator(int(state["config"]["latent_dim"]))
    generator.load_state_dict(state["generator"])
    generator.eval()
    latents = torch.randn(args.count, generator.fc1.in_features, generator=torch.Generator().manual_seed(args.seed))
    with torch.inference_mode():
        images = generator(latents).numpy()
    grid(images).save(args.out)


if __name__ == "__main__":
    main()
