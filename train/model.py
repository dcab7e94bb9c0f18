"""The report's two networks, exactly as it prints them, and a discriminator that sees images.

The course report prints both modules (``fc1``, ``nonlin1``, ``fc2``); ``print()``
of these classes reproduces that text, so every later lever (loss, penalty,
schedule) changes how the networks are trained, never what they are. Output
activations live in ``forward`` and therefore do not show in the print.

:class:`ConvDiscriminator` (``gan-train --discriminator conv``) only changes
what trains the generator: the report's MLP discriminator sees an image as
784 unrelated numbers, a convolution sees edges and their neighbours, and
the generator trained against it draws laces, sleeves and the gap between
trouser legs (measurements in the model card). The generator, the exported
file and the runtime stay exactly the report's.
"""

from __future__ import annotations

import torch
from torch import nn

from .config import DISCRIMINATORS, LATENT_DIM

IMAGE_SHAPE = (1, 28, 28)
IMAGE_PIXELS = 28 * 28
HIDDEN_UNITS = 128
LEAKY_SLOPE = 0.2
CONV_WIDTH = 32  # channels of the conv discriminator's first layer; the second has twice as many
# One tag per network, written into checkpoints (and, for the generator, into the exported file).
GENERATOR_ARCHITECTURE = "report-mlp-generator/1"  # fc1 100x128, LeakyReLU 0.2, fc2 128x784, tanh
DISCRIMINATOR_ARCHITECTURES = {"report": "report-mlp-discriminator/1", "conv": "conv-discriminator/1"}


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
        # Fixed trailing dims (not -1) so the exported graph keeps [N, 1, 28, 28]. The reshape comes before
        # the tanh (the same numbers): in the exported graph a Reshape that writes an output copies it, since
        # onnxruntime gives every graph output its own buffer (5 of 28 ms at batch 16384, docs/decisions.md).
        return torch.tanh(self.fc2(self.nonlin1(self.fc1(z))).reshape(z.shape[0], *IMAGE_SHAPE))


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


class MinibatchStdDev(nn.Module):
    """One more feature map: how much the images of each group of ``group`` differ (Karras et al., ICLR 2018).

    A generator that draws the same garment every time gets a group whose
    spread is near zero, which the discriminator can see and punish; that
    pushes the generator towards variety (recall). Groups are consecutive
    images, so the real and the fake halves of the discriminator's batch are
    never mixed; a batch not divisible by ``group`` gets the feature 0.
    """

    def __init__(self, group: int = 4) -> None:
        super().__init__()
        self.group = group

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        n, _, h, w = x.shape
        if n % self.group:
            return torch.cat([x, x.new_zeros(n, 1, h, w)], dim=1)
        grouped = x.reshape(n // self.group, self.group, *x.shape[1:])
        # Written out rather than grouped.var(dim=1): the same numbers, but torch's var over a
        # middle dimension took 5 ms of a 9 ms discriminator step (batch 64, 2 cores; profile in decisions).
        centred = grouped - grouped.mean(dim=1, keepdim=True)
        spread = (centred.square().mean(dim=1) + 1e-8).sqrt().mean(dim=(1, 2, 3))  # [n / group]
        return torch.cat([x, spread.repeat_interleave(self.group).reshape(n, 1, 1, 1).expand(n, 1, h, w)], dim=1)


class ConvDiscriminator(nn.Module):
    """Image ``[N, 1, 28, 28]`` (or ``[N, 784]``) -> one logit: two strided 4x4 convolutions and a linear layer.

    28x28 -> 14x14 (``width`` channels) -> 7x7 (``2 * width``) -> a minibatch
    standard-deviation map -> logit, LeakyReLU 0.2 between, R1 on real images
    as for the report's discriminator. Chosen by screening on the real data
    (model card): the standard-deviation map measured better than the plain
    CNN, spectral normalisation on top of R1 worse (it held the discriminator
    back), and 32 channels as good as 64 at less than half the time per step.

    Examples
    --------
    >>> ConvDiscriminator()(torch.zeros(4, 784)).shape
    torch.Size([4, 1])
    """

    def __init__(self, width: int = CONV_WIDTH) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(IMAGE_SHAPE[0], width, 4, stride=2, padding=1)
        self.nonlin1 = nn.LeakyReLU(LEAKY_SLOPE)
        self.conv2 = nn.Conv2d(width, 2 * width, 4, stride=2, padding=1)
        self.nonlin2 = nn.LeakyReLU(LEAKY_SLOPE)
        self.spread = MinibatchStdDev()
        self.fc = nn.Linear((2 * width + 1) * (IMAGE_SHAPE[1] // 4) * (IMAGE_SHAPE[2] // 4), 1)

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        x = images.reshape(images.shape[0], *IMAGE_SHAPE)
        x = self.spread(self.nonlin2(self.conv2(self.nonlin1(self.conv1(x)))))
        return self.fc(x.flatten(1))


def build_discriminator(name: str) -> nn.Module:
    """The discriminator ``gan-train --discriminator NAME`` trains against: ``report`` or ``conv``.

    Examples
    --------
    >>> type(build_discriminator("conv")).__name__
    'ConvDiscriminator'
    """
    if name == "report":
        return Discriminator()
    if name == "conv":
        return ConvDiscriminator()
    raise ValueError(f"unknown discriminator {name!r}; use one of {', '.join(DISCRIMINATORS)}")
