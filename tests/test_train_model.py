"""The networks are exactly the report's."""

from __future__ import annotations

import torch

from ganedge.train.model import ConvDiscriminator, Discriminator, Generator, build_discriminator

# Printed in the course report (its Markdown indents by 4 spaces; PyTorch prints 2).
REPORT_DISCRIMINATOR = """Discriminator(
    (fc1): Linear(in_features=784, out_features=128, bias=True)
    (nonlin1): LeakyReLU(negative_slope=0.2)
    (fc2): Linear(in_features=128, out_features=1, bias=True)
)"""
REPORT_GENERATOR = """Generator(
    (fc1): Linear(in_features=100, out_features=128, bias=True)
    (nonlin1): LeakyReLU(negative_slope=0.2)
    (fc2): Linear(in_features=128, out_features=784, bias=True)
)"""


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.strip().splitlines()]


def test_discriminator_prints_as_in_the_report() -> None:
    assert _lines(repr(Discriminator())) == _lines(REPORT_DISCRIMINATOR)


def test_generator_prints_as_in_the_report() -> None:
    assert _lines(repr(Generator())) == _lines(REPORT_GENERATOR)


def test_generator_maps_latents_to_images_in_tanh_range() -> None:
    images = Generator()(torch.randn(5, 100) * 50)
    assert images.shape == (5, 1, 28, 28)
    assert images.min() >= -1 and images.max() <= 1


def test_discriminator_returns_one_logit_per_image_for_either_layout() -> None:
    discriminator = Discriminator()
    images = torch.randn(3, 1, 28, 28)
    assert discriminator(images).shape == (3, 1)
    assert torch.equal(discriminator(images), discriminator(images.reshape(3, 784)))


def test_conv_discriminator_returns_one_logit_per_image_for_either_layout() -> None:
    discriminator = ConvDiscriminator()
    images = torch.randn(8, 1, 28, 28)
    assert discriminator(images).shape == (8, 1)
    assert torch.equal(discriminator(images), discriminator(images.reshape(8, 784)))


def test_the_minibatch_spread_never_mixes_the_real_and_the_fake_halves() -> None:
    from ganedge.train.model import MinibatchStdDev

    real, fake = torch.randn(8, 2, 3, 3), torch.zeros(8, 2, 3, 3)
    spread = MinibatchStdDev()(torch.cat([real, fake]))[:, -1]
    assert torch.all(spread[8:] < 1e-3) and torch.all(spread[:8] > 0.1)  # identical fakes show no spread at all
    assert torch.equal(MinibatchStdDev()(torch.ones(6, 2, 3, 3))[:, -1], torch.zeros(6, 3, 3))  # 6 % 4: feature 0


def test_the_minibatch_spread_is_each_groups_population_standard_deviation_averaged() -> None:
    from ganedge.train.model import MinibatchStdDev

    x = torch.randn(8, 3, 5, 5, dtype=torch.float64)
    expected = (x.reshape(2, 4, 3, 5, 5).var(dim=1, unbiased=False) + 1e-8).sqrt().mean(dim=(1, 2, 3))
    spread = MinibatchStdDev()(x)
    assert torch.equal(spread[:, :3], x)
    assert torch.allclose(spread[:, 3], expected.repeat_interleave(4).reshape(8, 1, 1).expand(8, 5, 5), atol=1e-12)


def test_the_discriminator_is_chosen_by_name_and_the_report_one_is_the_default() -> None:
    from ganedge.train.config import TrainConfig

    assert isinstance(build_discriminator(TrainConfig().discriminator), Discriminator)
    assert isinstance(build_discriminator("conv"), ConvDiscriminator)
