"""Sample quality during training: classifier-FD every K epochs (``gan-train --eval-every K``).

The measure is ``gan-eval``'s, computed by the runtime with the bundled
classifier: Frechet distance between the classifier features of generated
images and of the 10,000 test images, plus how many classes get >= 2% of
the generated images. Here it runs on ``PROBE_SIZE`` images from fixed
latents so it takes seconds; FD is biased upwards at smaller sizes, so compare
these numbers with each other, and with ``gan-eval --n 5000``, not with
``gan-eval``'s default 10,000.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from ganedge.runtime.classifier import load_classifier
from ganedge.runtime.errors import GanRuntimeError
from ganedge.runtime.fashion_mnist import read_split
from ganedge.runtime.metrics import frechet_distance_between
from ganedge.runtime.evaluate import PRESENT_SHARE
from ganedge.runtime.semantics import class_shares

from .errors import TrainError

PROBE_SIZE = 5000
PROBE_SEED = 12345


@dataclass(frozen=True)
class QualityPoint:
    epoch: int
    step: int
    frechet_distance: float
    classes_present: int


class QualityProbe:
    """Holds the classifier and the test split's features; measures a generator in a few seconds.

    Examples
    --------
    >>> probe = QualityProbe(Path("/usr/share/datasets/fashion-mnist"), latent_dim=100)   # doctest: +SKIP
    >>> probe.measure(generator, epoch=5, step=4690).frechet_distance                  # doctest: +SKIP
    212.4
    """

    def __init__(self, data_dir: Path, latent_dim: int) -> None:
        try:
            self.classifier = load_classifier(device="cpu")
            _, self.test_features = self.classifier.classify_pixels(read_split(data_dir, "test").images)
        except GanRuntimeError as error:
            raise TrainError(f"--eval-every needs the measuring classifier: {error}") from None
        self.latents = torch.randn(PROBE_SIZE, latent_dim, generator=torch.Generator().manual_seed(PROBE_SEED))

    @torch.inference_mode()
    def measure(self, generator: torch.nn.Module, epoch: int, step: int) -> QualityPoint:
        device = next(generator.parameters()).device
        was_training = generator.training
        generator.eval()
        images = generator(self.latents.to(device)).cpu().numpy()
        generator.train(was_training)
        probabilities, features = self.classifier.classify(images)
        return QualityPoint(epoch, step, frechet_distance_between(features, self.test_features),
                            int(np.sum(class_shares(probabilities) >= PRESENT_SHARE)))
