"""Device selection on this CPU-only machine: the provider is read back, CUDA never faked."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import onnxruntime as ort
import pytest

from ganedge.runtime import GanRuntimeError, GeneratorModel

CUDA = "CUDAExecutionProvider"


@pytest.fixture
def cuda_listed_but_broken(monkeypatch: pytest.MonkeyPatch) -> None:
    """onnxruntime-gpu on a machine without working CUDA: the provider is listed but does not load."""
    listed = [CUDA, *ort.get_available_providers()]
    monkeypatch.setattr(ort, "get_available_providers", lambda: listed)


def test_cpu_runs_on_the_cpu_provider(model_file: Path) -> None:
    assert GeneratorModel(model_file, device="cpu").provider == "CPUExecutionProvider"


def test_auto_without_cuda_runs_on_cpu_quietly(model_file: Path, capfd: pytest.CaptureFixture[str]) -> None:
    model = GeneratorModel(model_file, device="auto")
    assert model.provider == model.session.get_providers()[0] == "CPUExecutionProvider"
    assert capfd.readouterr() == ("", "")


@pytest.mark.skipif(CUDA in ort.get_available_providers(), reason="this onnxruntime has a CUDA provider")
def test_cuda_without_a_cuda_provider_is_an_error_naming_the_reason(model_file: Path) -> None:
    with pytest.raises(GanRuntimeError, match="no CUDA provider.*ganedge\\[gpu\\]"):
        GeneratorModel(model_file, device="cuda")


def test_auto_with_a_cuda_provider_that_fails_to_load_falls_back_to_cpu_quietly(
    model_file: Path, cuda_listed_but_broken: None, capfd: pytest.CaptureFixture[str], recwarn: pytest.WarningsRecorder
) -> None:
    model = GeneratorModel(model_file, device="auto")
    assert model.provider == "CPUExecutionProvider"
    assert capfd.readouterr() == ("", "")
    assert len(recwarn) == 0


def test_cuda_with_a_cuda_provider_that_fails_to_load_is_an_error_with_the_reason(
    model_file: Path, cuda_listed_but_broken: None, capfd: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(GanRuntimeError, match="CUDA provider did not load") as caught:
        GeneratorModel(model_file, device="cuda")
    assert "CUDAExecutionProvider" in str(caught.value)  # onnxruntime's own words, captured
    assert capfd.readouterr() == ("", "")


def test_an_unknown_device_is_an_error(model_file: Path) -> None:
    with pytest.raises(GanRuntimeError, match="use one of auto, cpu, cuda"):
        GeneratorModel(model_file, device="gpu")


def test_the_io_binding_path_gives_the_same_images_as_a_plain_run(model_file: Path) -> None:
    """Large CPU batches are written in place through IO binding; it must equal a plain session.run."""
    from ganedge.runtime.generator.session import run, run_into

    model = GeneratorModel(model_file, device="cpu")
    z = model.sample_latents(5, seed=0)
    plain = run(model.session, ["image"], {"z": z}, model_file)[0]
    assert plain.shape == (5, 1, 28, 28)
    into = np.full((5, 1, 28, 28), np.nan, dtype=np.float32)
    assert run_into(model.session, "image", {"z": z}, into, model_file) is into and np.array_equal(into, plain)


def test_float_generation_writes_chunks_in_place_equal_to_one_pass(model_file: Path) -> None:
    model = GeneratorModel(model_file, device="cpu")
    z = model.sample_latents(10, seed=1)
    chunked = model.generate(z, output="float", chunk_size=3)
    assert np.array_equal(chunked, model.session.run(["image"], {"z": z})[0])


def test_uint8_pixels_are_the_same_whatever_the_chunk_size(model_file: Path) -> None:
    """CUDA runs large chunks and converts them to pixels piecewise; the pixels must not depend on it."""
    model = GeneratorModel(model_file, device="cpu")
    z = model.sample_latents(2500, seed=2)
    one_pass = model.generate(z, chunk_size=2500)
    assert np.array_equal(one_pass, model.generate(z, chunk_size=7))
    assert np.array_equal(one_pass, model.generate(z))
