"""Files the runtime must refuse, each with one message a user can act on."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from onnx_factory import (
    build_generator,
    generator_metadata,
    write_generator,
    write_model,
    write_no_metadata_model,
    write_wrong_input_model,
)

from ganedge.runtime import GanRuntimeError, GeneratorModel


def _refused(path: Path) -> str:
    with pytest.raises(GanRuntimeError) as caught:
        GeneratorModel(path, device="cpu")
    message = str(caught.value)
    assert "\n" not in message
    return message


def test_a_missing_file_is_named(tmp_path: Path) -> None:
    assert "no model file at" in _refused(tmp_path / "nothing.onnx")


def test_a_folder_is_not_a_model(tmp_path: Path) -> None:
    assert "is not a file" in _refused(tmp_path)


def test_a_corrupt_file_is_not_an_onnx_model(tmp_path: Path) -> None:
    path = tmp_path / "corrupt.onnx"
    path.write_bytes(b"this is not protobuf")
    assert "cannot load" in _refused(path)


def test_a_truncated_generator_is_not_an_onnx_model(tmp_path: Path) -> None:
    good = write_generator(tmp_path / "good.onnx").read_bytes()
    path = tmp_path / "truncated.onnx"
    path.write_bytes(good[: len(good) // 2])
    assert "cannot load" in _refused(path)


def test_a_model_without_ganedge_metadata_is_refused(tmp_path: Path) -> None:
    assert "not a ganedge generator model" in _refused(write_no_metadata_model(tmp_path / "plain.onnx"))


def test_a_model_whose_input_disagrees_with_its_metadata_is_refused(tmp_path: Path) -> None:
    message = _refused(write_wrong_input_model(tmp_path / "wrong.onnx"))
    assert "latent size 100" in message and "[N, 100]" in message


def test_a_model_whose_output_disagrees_with_its_metadata_is_refused(tmp_path: Path) -> None:
    model = build_generator(image_shape=(1, 32, 32), metadata=generator_metadata(image_shape=(1, 28, 28)))
    assert "output 'image'" in _refused(write_model(model, tmp_path / "wrong-output.onnx"))


def test_a_model_with_a_fixed_batch_size_is_refused(tmp_path: Path) -> None:
    assert "batch size is fixed" in _refused(write_model(build_generator(batch=8), tmp_path / "fixed.onnx"))


def test_a_colour_generator_is_refused(tmp_path: Path) -> None:
    model = build_generator(image_shape=(3, 28, 28))
    assert "grayscale" in _refused(write_model(model, tmp_path / "rgb.onnx"))


def test_missing_onnxruntime_gives_the_install_command(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = write_generator(tmp_path / "generator.onnx")
    monkeypatch.setitem(sys.modules, "onnxruntime", None)  # makes `import onnxruntime` raise ImportError
    message = _refused(path)
    assert "pip install 'ganedge[cpu]'" in message and "'ganedge[gpu]'" in message
