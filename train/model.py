"""The report's two networks, exactly as it prints them.

The course report prints both modules (``fc1``, ``nonlin1``, ``fc2``); ``print()``
of these classes reproduces that text, so every later lever (loss, penalty,
schedule) changes how the networks are trained, never what they are. Output
activations live in ``forward`` and therefore do not show in the print.
"""

from __future__ import annotations

import torch
from torch import nn

from .config import LATENT_DIM

IMAGE_SHAPE = (1, 28, 28)
IMAGE_PIXELS = 28 * 28
HIDDEN_UNITS = 128
LEAKY_SLOPE = 0.2


class Generator(nn.Module):
    """Latent vector ``z`` of shape ``[N, latent_dim]`` -> image ``[N, 1, 28, 28]`` in [-1, 1].

    Examples
    --------
    >>> generator = Generator()
    >>> generator(torch.randn(8, 100)).shape
    torch.Size([8, 1, 28, 28])
    """

    def __init__(self, latent_dim: int = LATENT_DIM) -> None:
        super().__init__()
        self.fc1 = nn.Linear(latent_dim, HIDDEN_UNITS)
        self.nonlin1 = nn.LeakyReLU(LEAKY_SLOPE)
        self.fc2 = nn.Linear(HIDDEN_UNITS, IMAGE_PIXELS)

    @property
    def latent_dim(self) -> int:
        return self.fc1.in_features

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        flat = torch.tanh(self.fc2(self.nonlin1(self.fc1(z))))
        # Fixed trailing dims (not -1) so the exported graph keeps [N, 1, 28, 28].
        return flat.reshape(z.shape[0], *IMAGE_SHAPE)


class Discriminator(nn.Module):
    """Image ``[N, 1, 28, 28]`` (or ``[N, 784]``) in [-1, 1] -> one real/fake logit per image.

    The logit is returned raw: the loss applies the sigmoid (BCE-with-logits),
    which is numerically safer than a sigmoid in ``forward``.

    Examples
    --------
    >>> Discriminator()(torch.zeros(4, 1, 28, 28)).shape
    torch.Size([4, 1])
    """

    def __init__(self) -> None:
        super().__init__()
        self.fc1 = nn.Linear(IMAGE_PIXELS, HIDDEN_UNITS)
        self.nonlin1 = nn.LeakyReLU(LEAKY_SLOPE)
        self.fc2 = nn.Linear(HIDDEN_UNITS, 1)

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        return self.fc2(self.nonlin1(self.fc1(images.reshape(images.shape[0], IMAGE_PIXELS))))
