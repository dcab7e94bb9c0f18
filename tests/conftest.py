"""Shared fixtures: the real FashionMNIST and one short real training run.

The training and export tests run on the real data (CI installs the Debian
package ``dataset-fashion-mnist``); a missing dataset fails them loudly with
the install command rather than skipping.
"""

from __future__ import annotations

import signal
from collections.abc import Iterator
from pathlib import Path

import pytest

REAL_DATA_DIR = Path("/usr/share/datasets/fashion-mnist")
SMOKE_STEPS = 40


@pytest.fixture(scope="session")
def real_data_dir() -> Path:
    if not (REAL_DATA_DIR / "train-images-idx3-ubyte.gz").is_file():
        pytest.fail("the real FashionMNIST is missing: apt-get install dataset-fashion-mnist")
    return REAL_DATA_DIR


@pytest.fixture(scope="session")
def smoke_run(real_data_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 40-step CPU run on the real data; its folder holds checkpoint.pt and the pictures."""
    from ganedge.train.config import TrainConfig
    from ganedge.train.runner import train_run

    run_dir = tmp_path_factory.mktemp("runs") / "smoke"
    train_run(TrainConfig(epochs=1, max_steps=SMOKE_STEPS), run_dir, device="cpu", data_dir=real_data_dir, progress=False)
    return run_dir


@pytest.fixture(scope="session")
def model_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small generator-shaped ganedge file as gan-export writes them (seeded random weights, the pixels output,
    SeFa directions stored), built by onnx_factory."""
    from onnx_factory import write_generator_with_sefa

    return write_generator_with_sefa(tmp_path_factory.mktemp("model") / "generator.onnx", pixels=True)


@pytest.fixture(scope="session")
def classifier_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small classifier-shaped ganedge file (a random projection), built by onnx_factory."""
    from onnx_factory import write_classifier

    return write_classifier(tmp_path_factory.mktemp("classifier") / "classifier.onnx")


@pytest.fixture(scope="module")
def server(model_file: Path) -> Iterator[int]:
    """A gan-serve process on 127.0.0.1 serving the factory generator (one per test module); yields its port and
    ends it with SIGTERM, as an operator would."""
    from benchmarks.serving import start_server

    process, port = start_server(model_file, [])
    yield port
    process.send_signal(signal.SIGTERM)
    process.wait(timeout=30)


@pytest.fixture(scope="session")
def models(model_file: Path, classifier_file: Path) -> tuple[Path, Path]:
    """The two factory files together: (generator, classifier)."""
    return model_file, classifier_file


@pytest.fixture
def in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Run the test inside its own empty folder (commands write relative paths)."""
    monkeypatch.chdir(tmp_path)
    return tmp_path
