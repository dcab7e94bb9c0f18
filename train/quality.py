"""Sample quality during training: classifier-FD every K epochs (``gan-train --eval-every K``).

The measure is ``gan-eval``'s, computed by the runtime with the bundled
classifier: Frechet distance between the classifier features of generated
images and of the 10,000 test images, plus how many classes get >= 2% of
the generated images. Here it runs on ``PROBE_SIZE`` images from fixed
latents so it takes seconds; FD is biased upwards at smaller sizes, so compare
these numbers with each other, and with ``gan-eval --n 5000``, not with
``gan-eval``'s default 10,000.

Each probe also measures FD against ``SELECTION_SIZE`` training images: that is
the number ``--keep-best`` selects the checkpoint by, so the test split stays
held out of the choice and ``gan-eval``'s test-split figure for the selected
checkpoint is not flattered by it. (For generators this far from the data
the two distances differ by a few units; the rule matters, not the size.)
"""

from __future__ import annotations

import numpy as np
import torch

from ganedge.runtime.base.dataset import Split, read_split
from ganedge.runtime.base.errors import GanRuntimeError
from ganedge.runtime.measure.classifier import load_classifier
from ganedge.runtime.measure.evaluate import PRESENT_SHARE
from ganedge.runtime.measure.metrics import frechet_distance_between
from ganedge.runtime.measure.shares import class_shares

from .errors import TrainError
from .run_folder import QualityPoint

PROBE_SIZE = 5000
PROBE_SEED = 12345
SELECTION_SIZE = 10_000


class QualityProbe:
    """Holds the classifier and the test split's features; measures a generator in a few seconds.

    Examples
    --------
    >>> from ganedge.train.data import load_split
    >>> from ganedge.train.model import Generator
    >>> probe = QualityProbe(load_split("train"), latent_dim=100)
    >>> probe.measure(Generator(), epoch=0, step=0).frechet_distance > 100   # an untrained generator is far off
    True
    """

    def __init__(self, train: Split, latent_dim: int) -> None:
        """``train`` is the split the run trains on (already in memory); the test split is read beside it."""
        try:
            self.classifier = load_classifier(device="cpu")
            _, self.test_features = self.classifier.classify_pixels(read_split(train.source, "test").images)
            chosen = np.random.default_rng(PROBE_SEED).choice(len(train.images), SELECTION_SIZE, replace=False)
            _, self.selection_features = self.classifier.classify_pixels(train.images[np.sort(chosen)])
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
                            int(np.sum(class_shares(probabilities) >= PRESENT_SHARE)),
                            frechet_distance_between(features, self.selection_features))
