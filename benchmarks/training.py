"""Training speed: ganedge's epoch against the textbook torchvision + DataLoader loop.

Both sides train the same ``Generator``/``Discriminator`` with Adam at the same
learning rate and betas, on the same non-saturating BCE-with-logits loss, for
the same number of steps at batch 64, with the same thread count. What
differs is exactly what ganedge changed: the textbook loop reads
``torchvision.datasets.FashionMNIST`` through a ``DataLoader`` with
``ToTensor``/``Normalize`` per image, runs the discriminator on real and fake
in two passes and uses Adam's default (foreach) implementation; ganedge holds
the split in memory as one tensor, batches by index, concatenates real and
fake into one pass and uses fused Adam. The DataLoader alone is also timed
over the same steps, to show how much of the textbook epoch is data loading.

ganedge's side runs with R1 off (the textbook loop has no penalty); its
default lazy R1 is timed separately for reference.
"""

from __future__ import annotations

import gzip
import tempfile
import time
from dataclasses import replace
from pathlib import Path
from typing import Any, Iterator

from .defaults import TRAINING_BATCH_SIZE
from .timing import time_once

PROFILED_STEPS = 100
TORCHVISION_FILES = ("train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte")


def torchvision_root(source: Path, root: Path) -> Path:
    """Lay the Debian ``*-ubyte.gz`` files out the way ``torchvision.datasets.FashionMNIST`` reads them.

    torchvision looks for the decompressed files in ``<root>/FashionMNIST/raw``
    (and would try to download them otherwise; there is no network here).
    """
    raw = root / "FashionMNIST" / "raw"
    raw.mkdir(parents=True, exist_ok=True)
    for name in TORCHVISION_FILES:
        target = raw / name
        if not target.is_file():
            compressed = source / f"{name}.gz"
            target.write_bytes(gzip.decompress(compressed.read_bytes()) if compressed.is_file() else (source / name).read_bytes())
    return root


def textbook_loader(root: Path, seed: int, images: int | None = None) -> Any:
    """``FashionMNIST`` + ``ToTensor``/``Normalize((0.5,), (0.5,))`` + a shuffling ``DataLoader`` at batch 64.

    ``images`` limits the dataset to its first that many images (``--quick``).
    """
    import torch
    from torch.utils.data import DataLoader, Subset
    from torchvision import transforms
    from torchvision.datasets import FashionMNIST

    transform = transforms.Compose([transforms.ToTensor(), transforms.Normalize((0.5,), (0.5,))])
    dataset = FashionMNIST(str(root), train=True, download=False, transform=transform)
    if images is not None:
        dataset = Subset(dataset, range(images))
    return DataLoader(dataset, batch_size=TRAINING_BATCH_SIZE, shuffle=True, generator=torch.Generator().manual_seed(seed))


def textbook_steps(loader: Any, steps: int, lr: float, betas: tuple[float, float], seed: int) -> float:
    """Run the textbook GAN loop for ``steps`` batches after 3 untimed ones; seconds for the timed steps."""
    import torch
    from torch import nn

    from ganedge.train.model import Discriminator, Generator

    torch.manual_seed(seed)
    generator, discriminator = Generator(), Discriminator()
    optimizer_g = torch.optim.Adam(generator.parameters(), lr=lr, betas=betas)
    optimizer_d = torch.optim.Adam(discriminator.parameters(), lr=lr, betas=betas)
    criterion = nn.BCEWithLogitsLoss()

    def step(real: torch.Tensor) -> None:
        n = real.shape[0]
        ones, zeros = torch.ones(n, 1), torch.zeros(n, 1)
        fake = generator(torch.randn(n, generator.latent_dim))
        optimizer_d.zero_grad()
        loss_d = criterion(discriminator(real), ones) + criterion(discriminator(fake.detach()), zeros)
        loss_d.backward()
        optimizer_d.step()
        optimizer_g.zero_grad()
        loss_g = criterion(discriminator(fake), ones)
        loss_g.backward()
        optimizer_g.step()

    batches = _endless(loader)
    for _ in range(3):
        step(next(batches)[0])
    started = time.perf_counter()
    for _ in range(steps):
        step(next(batches)[0])
    return time.perf_counter() - started


def loader_only(loader: Any, steps: int) -> float:
    """Seconds to draw ``steps`` batches from the DataLoader and do nothing with them."""
    batches = _endless(loader)
    next(batches)
    started = time.perf_counter()
    for _ in range(steps):
        next(batches)
    return time.perf_counter() - started


TIMED_EPOCHS = 3  # ganedge epochs per recipe in a full run; the median is reported


def _endless(loader: Any) -> Iterator[Any]:
    while True:
        yield from loader


def ganedge_epoch(data: Any, r1_gamma: float, epochs: int = 1) -> tuple[float, int]:
    """Median seconds of ``epochs`` consecutive ``GanTrainer.run_epoch`` over ``data`` (shuffle, latents and
    all), and the steps of one epoch. More than one epoch: this VM's speed drifts by tens of percent between
    minutes (measured: the same epoch took 1.8 s and 2.9 s in two runs), so one epoch is one sample of that."""
    import statistics

    import torch

    from ganedge.train.config import TrainConfig
    from ganedge.train.loop import GanTrainer

    device = torch.device("cpu")
    config = TrainConfig(epochs=epochs, batch_size=TRAINING_BATCH_SIZE, r1_gamma=r1_gamma, ema=0.0)
    GanTrainer(replace(config, epochs=1, max_steps=3), data[:3 * TRAINING_BATCH_SIZE], device).run_epoch()
    trainer = GanTrainer(config, data, device)
    seconds = statistics.median(time_once(trainer.run_epoch) for _ in range(epochs))
    return seconds, trainer.global_step // epochs


def profile_ganedge_steps(data: Any, steps: int, top: int = 10) -> dict[str, Any]:
    """torch.profiler over ``steps`` ganedge steps: the ops with the most own CPU time, per step.

    What an epoch is made of (matmuls, the optimizer, element-wise ops, and
    the Python between them that no op accounts for), for the notes on a
    missed epoch target.
    """
    import torch
    from torch.profiler import ProfilerActivity, profile

    from ganedge.train.config import TrainConfig
    from ganedge.train.loop import GanTrainer

    subset = data[: steps * TRAINING_BATCH_SIZE]
    trainer = GanTrainer(TrainConfig(epochs=1, batch_size=TRAINING_BATCH_SIZE, r1_gamma=0.0, ema=0.0), subset, torch.device("cpu"))
    with profile(activities=[ProfilerActivity.CPU]) as profiler:
        seconds = time_once(trainer.run_epoch)
    done = trainer.steps_per_epoch
    events = sorted(profiler.key_averages(), key=lambda e: -e.self_cpu_time_total)
    ops = [{"op": e.key, "ms_per_step": e.self_cpu_time_total / 1e3 / done, "calls_per_step": e.count / done}
           for e in events[:top]]
    op_ms = sum(e.self_cpu_time_total for e in events) / 1e3 / done
    return {"steps": done, "ms_per_step_profiled": seconds / done * 1e3, "ops_ms_per_step": op_ms, "top_ops": ops}


def measure_training(steps: int | None) -> dict[str, Any]:
    """Epoch time of ganedge vs the textbook loop (same steps), their ratio, and the DataLoader's share.

    ``steps=None`` times one whole epoch (938 steps of 64). A number
    (``--quick``) trains both on the first ``steps * 64`` images only, a
    small whole epoch with its shuffle and latent draws, scaled to 60,000
    images for the epoch figures.
    """
    import torch

    from ganedge.train.config import DEFAULT_BETAS, DEFAULT_LR, DEFAULT_R1_EVERY, DEFAULT_R1_GAMMA, DEFAULT_SEED
    from ganedge.train.data import find_data_dir, load_split
    from ganedge.train.loop import images_to_training_tensor

    started = time.perf_counter()
    split = load_split("train")
    data = images_to_training_tensor(split.images, torch.device("cpu"))
    load_s = time.perf_counter() - started
    full_size = len(data)
    steps_per_epoch = -(-full_size // TRAINING_BATCH_SIZE)
    images = None if steps is None else min(steps * TRAINING_BATCH_SIZE, full_size)
    if images is not None:
        data = data[:images]

    epochs = 1 if steps is not None else TIMED_EPOCHS
    ganedge_s, done = ganedge_epoch(data, r1_gamma=0.0, epochs=epochs)
    r1_s, _ = ganedge_epoch(data, r1_gamma=DEFAULT_R1_GAMMA, epochs=epochs)
    with tempfile.TemporaryDirectory() as folder:
        root = torchvision_root(find_data_dir(), Path(folder))
        loader = textbook_loader(root, DEFAULT_SEED, images)
        textbook_s = textbook_steps(loader, done, DEFAULT_LR, DEFAULT_BETAS, DEFAULT_SEED)
        data_s = loader_only(loader, done)
    scale = full_size / len(data)
    return {
        "batch_size": TRAINING_BATCH_SIZE,
        "steps_timed": done,
        "steps_per_epoch": steps_per_epoch,
        "whole_epoch": done == steps_per_epoch,
        "ganedge_epochs_timed": epochs,
        "ganedge": {"seconds": ganedge_s, "epoch_s": ganedge_s * scale, "ms_per_step": ganedge_s / done * 1e3,
                    "data_load_s": load_s, "r1": "off (same loss as the textbook loop)"},
        "ganedge_default_r1": {"seconds": r1_s, "epoch_s": r1_s * scale, "ms_per_step": r1_s / done * 1e3,
                               "r1": f"gamma {DEFAULT_R1_GAMMA}, every {DEFAULT_R1_EVERY} steps"},
        "textbook": {"seconds": textbook_s, "epoch_s": textbook_s * scale, "ms_per_step": textbook_s / done * 1e3,
                     "dataloader_only_s": data_s, "dataloader_share": data_s / textbook_s},
        "speedup": textbook_s / ganedge_s,
        "ganedge_profile": profile_ganedge_steps(data, PROFILED_STEPS if steps is None else min(steps, 10)),
    }
