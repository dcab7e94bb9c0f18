"""Training on the real data: outputs, determinism, resume, atomic checkpoints."""

from __future__ import annotations

import csv
import json
import math
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from ganedge.train.checkpoint import load_checkpoint
from ganedge.train.config import DEFAULT_BATCH_SIZE, DEFAULT_LRS, TrainConfig
from ganedge.train.runner import train_run

from conftest import SMOKE_STEPS


def _train(run_dir: Path, data_dir: Path, **options) -> None:
    resume = options.pop("resume", False)
    train_run(TrainConfig(**options), run_dir, device="cpu", data_dir=data_dir, progress=False, resume=resume)


def _weights(run_dir: Path) -> dict[str, torch.Tensor]:
    """Every tensor a checkpoint holds: generator (averaged with EMA), trained generator, discriminator."""
    state = load_checkpoint(run_dir / "checkpoint.pt")
    return ({f"G.{k}": v for k, v in state["generator"].items()}
            | {f"G_training.{k}": v for k, v in state.get("generator_training", {}).items()}
            | {f"D.{k}": v for k, v in state["discriminator"].items()})


def _assert_bit_identical(a: dict[str, torch.Tensor], b: dict[str, torch.Tensor]) -> None:
    assert a.keys() == b.keys()
    for name in a:
        assert torch.equal(a[name], b[name]), f"{name} differs"


def test_smoke_run_writes_every_artifact(smoke_run: Path) -> None:
    for name in ("config.json", "checkpoint.pt", "losses.csv", "losses.png", "samples.png"):
        assert (smoke_run / name).is_file(), name
    assert (smoke_run.parent / "latest").resolve() == smoke_run.resolve()


def test_smoke_run_losses_are_finite_and_logged_per_step(smoke_run: Path) -> None:
    with open(smoke_run / "losses.csv", newline="") as stream:
        rows = list(csv.DictReader(stream))
    assert [int(r["step"]) for r in rows] == list(range(1, SMOKE_STEPS + 1))
    assert all(math.isfinite(float(r["loss_d"])) and math.isfinite(float(r["loss_g"])) for r in rows)


def test_smoke_run_samples_are_not_constant(smoke_run: Path) -> None:
    pixels = np.asarray(Image.open(smoke_run / "samples.png").convert("L"), dtype=np.float64)
    assert pixels.std() > 10


def test_config_records_options_versions_and_dataset_checksums(smoke_run: Path) -> None:
    record = json.loads((smoke_run / "config.json").read_text())
    assert record["options"]["max_steps"] == SMOKE_STEPS and record["options"]["batch_size"] == DEFAULT_BATCH_SIZE
    assert record["versions"]["torch"] == torch.__version__
    assert record["data"]["md5"]["train-images-idx3-ubyte"] == "f4a8712d7a061bf5bd6d2ca38dc4d50a"


def test_checkpoint_is_a_plain_dict_that_loads_with_weights_only(smoke_run: Path) -> None:
    state = torch.load(smoke_run / "checkpoint.pt", weights_only=True)
    assert {"generator", "discriminator", "optimizer_g", "optimizer_d", "config", "global_step"} <= state.keys()
    assert state["global_step"] == SMOKE_STEPS


def test_same_seed_gives_bit_identical_weights(tmp_path: Path, real_data_dir: Path, smoke_run: Path) -> None:
    _train(tmp_path / "again", real_data_dir, epochs=1, max_steps=SMOKE_STEPS)
    _assert_bit_identical(_weights(smoke_run), _weights(tmp_path / "again"))


def test_other_seed_gives_other_weights(tmp_path: Path, real_data_dir: Path, smoke_run: Path) -> None:
    _train(tmp_path / "seed1", real_data_dir, epochs=1, max_steps=SMOKE_STEPS, seed=1)
    assert not torch.equal(_weights(smoke_run)["G.fc2.weight"], _weights(tmp_path / "seed1")["G.fc2.weight"])


def test_resume_mid_epoch_equals_an_uninterrupted_run(tmp_path: Path, real_data_dir: Path) -> None:
    _train(tmp_path / "straight", real_data_dir, epochs=1, max_steps=60)
    _train(tmp_path / "split", real_data_dir, epochs=1, max_steps=25)
    _train(tmp_path / "split", real_data_dir, epochs=1, max_steps=60, resume=True)
    _assert_bit_identical(_weights(tmp_path / "straight"), _weights(tmp_path / "split"))
    with open(tmp_path / "split" / "losses.csv") as a, open(tmp_path / "straight" / "losses.csv") as b:
        assert a.read() == b.read()


def test_two_epochs_equal_one_epoch_then_resuming_for_one(tmp_path: Path, real_data_dir: Path) -> None:
    _train(tmp_path / "two", real_data_dir, epochs=2)
    _train(tmp_path / "one", real_data_dir, epochs=1)
    _train(tmp_path / "one", real_data_dir, epochs=2, resume=True)
    _assert_bit_identical(_weights(tmp_path / "two"), _weights(tmp_path / "one"))
    assert (tmp_path / "one" / "samples" / "epoch_002.png").is_file()
    assert (tmp_path / "one" / "progress.png").is_file()


def test_interrupted_checkpoint_write_keeps_the_previous_checkpoint(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, smoke_run: Path
) -> None:
    from ganedge.train import checkpoint as checkpoint_module

    target = tmp_path / "checkpoint.pt"
    target.write_bytes((smoke_run / "checkpoint.pt").read_bytes())

    def killed_mid_write(state: object, name: str) -> None:
        Path(name).write_bytes(b"half a checkpoint")
        raise KeyboardInterrupt

    monkeypatch.setattr(checkpoint_module.torch, "save", killed_mid_write)
    with pytest.raises(KeyboardInterrupt):
        checkpoint_module.save_checkpoint(target, {"x": 1})
    assert load_checkpoint(target)["global_step"] == SMOKE_STEPS
    assert list(tmp_path.iterdir()) == [target]


def test_r1_penalty_matches_its_closed_form_for_the_report_discriminator() -> None:
    from ganedge.train.loop import GanTrainer

    trainer = GanTrainer(TrainConfig(r1_gamma=5.0, r1_every=4), torch.zeros(10, 784), torch.device("cpu"))
    real = (torch.rand(6, 784) * 2 - 1).requires_grad_(True)
    penalty = trainer.r1_penalty(trainer.discriminator(real), real)
    d = trainer.discriminator
    hidden = d.fc1(real.detach())
    slope = torch.where(hidden > 0, 1.0, 0.2)  # LeakyReLU'(h)
    gradient = (d.fc2.weight * slope) @ d.fc1.weight  # d logit / d x, one row per image
    expected = 0.5 * 5.0 * 4 * gradient.pow(2).sum(dim=1).mean()
    assert torch.allclose(penalty, expected, rtol=1e-5)


def test_r1_gamma_zero_trains_the_plain_recipe_differently(tmp_path: Path, real_data_dir: Path, smoke_run: Path) -> None:
    _train(tmp_path / "plain", real_data_dir, epochs=1, max_steps=SMOKE_STEPS, r1_gamma=0.0)
    assert not torch.equal(_weights(smoke_run)["D.fc1.weight"], _weights(tmp_path / "plain")["D.fc1.weight"])


def test_ema_average_follows_its_formula_step_by_step() -> None:
    from ganedge.train.loop import GanTrainer

    trainer = GanTrainer(TrainConfig(ema=0.5, batch_size=8), torch.rand(64, 784) * 2 - 1, torch.device("cpu"))
    expected = [p.detach().clone() for p in trainer.generator.parameters()]
    for step in range(30):
        real, z = torch.rand(8, 784) * 2 - 1, torch.randn(8, 100)
        trainer.step(real, z)
        beta = min(0.5, (1 + step) / (10 + step))  # the ramp, then 0.5 from step 8 on
        expected = [beta * e + (1 - beta) * p.detach() for e, p in zip(expected, trainer.generator.parameters())]
        trainer.global_step += 1
    for averaged, wanted, trained in zip(trainer.generator_ema.parameters(), expected, trainer.generator.parameters()):
        assert torch.allclose(averaged, wanted, atol=1e-6)
        assert not torch.allclose(averaged, trained)
    assert trainer.inference_generator is trainer.generator_ema


def test_ema_checkpoint_keeps_the_average_as_generator_and_training_is_unchanged(
    tmp_path: Path, real_data_dir: Path, smoke_run: Path
) -> None:
    """The default run averages; without EMA the trained weights come out bit for bit the same."""
    assert TrainConfig().ema == 0.999
    averaged = _weights(smoke_run)
    _train(tmp_path / "no-ema", real_data_dir, epochs=1, max_steps=SMOKE_STEPS, ema=0.0)
    plain = _weights(tmp_path / "no-ema")
    assert not any(name.startswith("G_training.") for name in plain)
    for name in ("fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias"):
        assert torch.equal(averaged[f"G_training.{name}"], plain[f"G.{name}"])
        assert not torch.equal(averaged[f"G.{name}"], plain[f"G.{name}"])


def test_ctrl_c_keeps_the_last_completed_epoch(tmp_path: Path, real_data_dir: Path) -> None:
    def interrupt_in_second_epoch(epoch: int) -> None:
        if epoch == 1:
            raise KeyboardInterrupt

    result = train_run(TrainConfig(epochs=3, batch_size=600), tmp_path / "run", device="cpu",
                       data_dir=real_data_dir, progress=False, on_epoch=interrupt_in_second_epoch)
    assert result.interrupted
    assert load_checkpoint(tmp_path / "run" / "checkpoint.pt")["epoch"] == 1


def test_eval_every_records_classifier_fd_per_epoch_and_it_falls_as_training_goes(tmp_path: Path, real_data_dir: Path) -> None:
    train_run(TrainConfig(epochs=3, batch_size=600), tmp_path / "run", device="cpu", data_dir=real_data_dir,
              progress=False, eval_every=1, keep_best=True)
    with open(tmp_path / "run" / "quality.csv", newline="") as stream:
        rows = list(csv.DictReader(stream))
    assert [int(r["epoch"]) for r in rows] == [1, 2, 3]
    for column in ("frechet_distance", "selection_distance"):
        distances = [float(r[column]) for r in rows]
        assert all(math.isfinite(d) and d > 0 for d in distances)
        assert distances[-1] < distances[0]  # 300 steps of real training already improve the samples
    # Test split and training images are different references, but both see the same samples.
    assert all(float(r["selection_distance"]) != float(r["frechet_distance"]) for r in rows)
    best_epoch = min(rows, key=lambda r: float(r["selection_distance"]))["epoch"]
    assert load_checkpoint(tmp_path / "run" / "best.pt")["epoch"] == int(best_epoch)
    record = json.loads((tmp_path / "run" / "config.json").read_text())
    assert record["eval_every"] == 1 and record["keep_best"] is True


def test_keep_best_keeps_the_lowest_selection_fd_not_the_last_epoch(
    tmp_path: Path, real_data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The probe is scripted (FD 5, 3, 4, 6 against training images), so the rule itself is tested."""
    from ganedge.train import quality

    scripted = iter([5.0, 3.0, 4.0, 6.0])

    def measure(self, generator, epoch: int, step: int) -> quality.QualityPoint:
        return quality.QualityPoint(epoch, step, 100.0 + epoch, 10, next(scripted))

    monkeypatch.setattr(quality.QualityProbe, "measure", measure)
    train_run(TrainConfig(epochs=4, batch_size=6000), tmp_path / "run", device="cpu", data_dir=real_data_dir,
              progress=False, eval_every=1, keep_best=True)
    best = load_checkpoint(tmp_path / "run" / "best.pt")
    assert best["epoch"] == 2
    assert not torch.equal(best["generator"]["fc2.weight"], _weights(tmp_path / "run")["G.fc2.weight"])


def test_keep_best_switched_on_at_resume_keeps_an_epoch_it_can_hold(
    tmp_path: Path, real_data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Epochs measured before --keep-best was asked were never saved: they cannot be the best.pt."""
    from ganedge.train import quality

    scripted = iter([1.0, 2.0, 3.0])

    def measure(self, generator, epoch: int, step: int) -> quality.QualityPoint:
        return quality.QualityPoint(epoch, step, 100.0, 10, next(scripted))

    monkeypatch.setattr(quality.QualityProbe, "measure", measure)
    run = tmp_path / "run"
    train_run(TrainConfig(epochs=2, batch_size=6000), run, device="cpu", data_dir=real_data_dir,
              progress=False, eval_every=1)
    assert not (run / "best.pt").exists()
    train_run(TrainConfig(epochs=3), run, device="cpu", data_dir=real_data_dir, progress=False, resume=True,
              eval_every=1, keep_best=True)
    assert load_checkpoint(run / "best.pt")["epoch"] == 3


def test_without_keep_best_no_best_checkpoint_is_written(smoke_run: Path) -> None:
    assert not (smoke_run / "best.pt").exists()


def test_each_discriminator_gets_its_own_default_learning_rate_and_an_explicit_one_wins() -> None:
    assert TrainConfig().lr == DEFAULT_LRS["report"] == 5e-4
    assert TrainConfig(discriminator="conv").lr == DEFAULT_LRS["conv"] != DEFAULT_LRS["report"]
    assert TrainConfig(lr=3e-4, discriminator="conv").lr == 3e-4
    assert TrainConfig.from_dict(TrainConfig(discriminator="conv").to_dict()) == TrainConfig(discriminator="conv")


def test_a_conv_discriminator_run_records_it_and_resumes_bit_for_bit(tmp_path: Path, real_data_dir: Path) -> None:
    """--discriminator conv: in config.json, the checkpoint and the exported file; 6 steps, then 6 more == 12 steps."""
    options = dict(epochs=1, batch_size=64, discriminator="conv")
    _train(tmp_path / "whole", real_data_dir, **options, max_steps=12)
    _train(tmp_path / "halves", real_data_dir, **options, max_steps=6)
    _train(tmp_path / "halves", real_data_dir, epochs=1, max_steps=12, resume=True)
    _assert_bit_identical(_weights(tmp_path / "halves"), _weights(tmp_path / "whole"))
    state = load_checkpoint(tmp_path / "whole" / "checkpoint.pt")
    assert state["discriminator_architecture"] == "conv-discriminator/1" and state["config"]["discriminator"] == "conv"
    options_saved = json.loads((tmp_path / "whole" / "config.json").read_text())["options"]
    assert options_saved["discriminator"] == "conv" and options_saved["lr"] == DEFAULT_LRS["conv"]  # its own default lr
    from ganedge.export.exporter import export_generator
    from ganedge.runtime import GeneratorModel

    exported = export_generator(tmp_path / "whole" / "checkpoint.pt", tmp_path / "g.onnx")
    training = GeneratorModel(exported.path, device="cpu").metadata.json_field("ganedge.training")
    assert training["options"]["discriminator"] == "conv"
