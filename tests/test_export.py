"""gan-export: opset, shapes, metadata, parity per precision, validation failures, bad input."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import onnx
import onnxruntime as ort
import pytest
import torch

from cli_checks import assert_refused, invoke
from ganedge.export.cli import main
from ganedge.export.errors import ValidationError
from ganedge.export.exporter import export_generator
from ganedge.export.validate import validate_against_torch
from ganedge.runtime.base import contract as keys
from ganedge.train.checkpoint import load_checkpoint
from ganedge.train.model import Generator


@pytest.fixture(scope="module")
def exported(smoke_run: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("export")
    return {p: export_generator(smoke_run / "checkpoint.pt", folder / f"{p}.onnx", precision=p).path for p in ("fp32", "fp16", "int8")}


@pytest.fixture(scope="module")
def torch_generator(smoke_run: Path) -> Generator:
    generator = Generator()
    generator.load_state_dict(load_checkpoint(smoke_run / "checkpoint.pt")["generator"])
    return generator.eval()


def _session(path: Path) -> ort.InferenceSession:
    return ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])


def test_saved_file_has_exactly_the_requested_opset_and_a_minimal_graph(exported: dict[str, Path]) -> None:
    model = onnx.load(exported["fp32"])
    assert {o.domain: o.version for o in model.opset_import}[""] == 17
    assert model.ir_version >= 8
    # the image, written by the Tanh, then its pixels, written by the QuantizeLinear (a Reshape writing an
    # output would copy it)
    assert [n.op_type for n in model.graph.node] == ["Gemm", "LeakyRelu", "Gemm", "Reshape", "Tanh",
                                                     "Reshape", "Add", "QuantizeLinear"]
    assert [n.output[0] for n in model.graph.node if n.op_type == "Tanh"] == ["image"]
    assert [n.output[0] for n in model.graph.node if n.op_type == "QuantizeLinear"] == ["pixels"]
    onnx.checker.check_model(model, full_check=True)


@pytest.mark.parametrize("precision", ["fp32", "fp16", "int8"])
def test_the_pixels_output_is_the_runtimes_mapping_of_the_image_to_within_one_grey_level(
    exported: dict[str, Path], precision: str
) -> None:
    from ganedge.runtime.base.pixels import to_uint8

    latents = np.random.default_rng(3).standard_normal((512, 100)).astype(np.float32)
    images, pixels = _session(exported[precision]).run(["image", "pixels"], {"z": latents})
    assert pixels.dtype == np.uint8 and pixels.shape == (512, 28, 28)
    gap = np.abs(pixels.astype(int) - to_uint8(images).astype(int))
    assert gap.max() <= 1 and np.mean(gap > 0) < 1e-3
    props = _session(exported[precision]).get_modelmeta().custom_metadata_map
    assert json.loads(props[keys.OUTPUTS_KEY]) == ["image", "pixels"]
    recorded = json.loads(props[keys.VALIDATION_KEY])["batch_256"]
    assert recorded["pixels_max_diff_own"] <= 1  # the file's pixels follow its own image
    # Against PyTorch's fp32 image: fp32 agrees but for rounding ties; fp16 and int8 change values by design.
    assert recorded["pixels_share_differing"] < (1e-3 if precision == "fp32" else 1.0)
    assert (recorded["pixels_share_differing"] > 0) == (recorded["pixels_max_diff"] > 0)


@pytest.mark.parametrize("opset", [15, 18])
def test_other_supported_opsets_are_honoured(smoke_run: Path, tmp_path: Path, opset: int) -> None:
    result = export_generator(smoke_run / "checkpoint.pt", tmp_path / "g.onnx", opset=opset)
    assert {o.domain: o.version for o in onnx.load(result.path).opset_import}[""] == opset


def test_export_carries_the_averaged_generator_not_the_trained_one(exported: dict[str, Path], smoke_run: Path) -> None:
    trained = Generator()
    trained.load_state_dict(load_checkpoint(smoke_run / "checkpoint.pt")["generator_training"])
    averaged = Generator()
    averaged.load_state_dict(load_checkpoint(smoke_run / "checkpoint.pt")["generator"])
    z = np.random.default_rng(0).standard_normal((16, 100)).astype(np.float32)
    produced = _session(exported["fp32"]).run(None, {"z": z})[0]
    with torch.no_grad():
        assert np.abs(produced - averaged.eval()(torch.from_numpy(z)).numpy()).max() < 1e-5
        assert np.abs(produced - trained.eval()(torch.from_numpy(z)).numpy()).max() > 1e-3


def test_input_and_output_have_one_symbolic_batch_dimension(exported: dict[str, Path]) -> None:
    model = onnx.load(exported["fp32"])
    dims = lambda value: [d.dim_param or d.dim_value for d in value.type.tensor_type.shape.dim]  # noqa: E731
    assert dims(model.graph.input[0]) == ["N", 100]
    assert dims(model.graph.output[0]) == ["N", 1, 28, 28]


@pytest.mark.parametrize("batch", [1, 7, 1000])
def test_symbolic_batch_runs_for_any_size(exported: dict[str, Path], torch_generator: Generator, batch: int) -> None:
    latents = np.random.default_rng(batch).standard_normal((batch, 100)).astype(np.float32)
    images, pixels = _session(exported["fp32"]).run(None, {"z": latents})
    assert images.shape == (batch, 1, 28, 28) and pixels.shape == (batch, 28, 28)
    with torch.inference_mode():
        expected = torch_generator(torch.from_numpy(latents)).numpy()
    assert np.max(np.abs(images - expected)) <= 1e-5


def test_metadata_round_trips_through_onnxruntime(exported: dict[str, Path], smoke_run: Path) -> None:
    props = _session(exported["fp32"]).get_modelmeta().custom_metadata_map
    meta = keys.GeneratorMetadata.from_map(props)
    assert (meta.latent_dim, meta.image_shape, meta.value_range) == (100, (1, 28, 28), (-1.0, 1.0))
    assert props[keys.PRECISION_KEY] == "fp32" and props[keys.OPSET_KEY] == "17"
    training = json.loads(props[keys.TRAINING_KEY])
    assert training["steps"] == 40 and training["seed"] == 0
    assert training["dataset_md5"]["train-images-idx3-ubyte"] == "f4a8712d7a061bf5bd6d2ca38dc4d50a"
    from ganedge.train.checkpoint import file_sha256

    assert props[keys.CHECKPOINT_SHA256_KEY] == file_sha256(smoke_run / "checkpoint.pt")
    assert json.loads(props[keys.VALIDATION_KEY])["batch_256"]["max_abs_diff"] <= 1e-5


@pytest.mark.parametrize(("precision", "floor_db"), [("fp16", 50.0), ("int8", 35.0)])
def test_reduced_precisions_keep_float_io_and_their_psnr_floor(
    exported: dict[str, Path], precision: str, floor_db: float
) -> None:
    session = _session(exported[precision])
    assert session.get_inputs()[0].type == "tensor(float)" and session.get_outputs()[0].type == "tensor(float)"
    figures = json.loads(session.get_modelmeta().custom_metadata_map[keys.VALIDATION_KEY])
    assert min(figures[f"batch_{b}"]["psnr_db"] for b in (1, 7, 256)) >= floor_db
    assert exported[precision].stat().st_size < exported["fp32"].stat().st_size


def test_a_tampered_file_fails_validation(exported: dict[str, Path], torch_generator: Generator) -> None:
    model = onnx.load(exported["fp32"])
    bias = next(t for t in model.graph.initializer if t.name == "fc2.bias")
    values = onnx.numpy_helper.to_array(bias).copy()
    values[100] += 0.5
    bias.CopyFrom(onnx.numpy_helper.from_array(values, bias.name))
    with pytest.raises(ValidationError, match="max abs diff") as caught:
        validate_against_torch(model, torch_generator, "fp32")
    assert caught.value.figures["batch_7"]["max_abs_diff"] > 1e-3


def test_failed_validation_leaves_no_file_and_exits_1(smoke_run: Path, tmp_path: Path) -> None:
    out = tmp_path / "g.onnx"
    result = invoke(main, "--checkpoint", str(smoke_run / "checkpoint.pt"), "--out", str(out), "--atol", "1e-12")
    assert result.code == 1, result.output
    assert "max abs diff" in result.output and "no file was written" in result.output
    assert list(tmp_path.iterdir()) == []


def test_default_exports_runs_latest_to_generator_onnx(smoke_run: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    Path("runs").mkdir()
    Path("runs/latest").symlink_to(smoke_run.resolve())
    result = invoke(main, "--opset", "17")
    assert result.code == 0, result.output
    assert (smoke_run / "generator.onnx").is_file()
    assert "wrote runs/latest/generator.onnx" in result.output




def test_missing_checkpoint_is_a_usage_error(tmp_path: Path) -> None:
    assert_refused(invoke(main, "--checkpoint", str(tmp_path / "nope.pt")), "no checkpoint at")


def test_corrupt_checkpoint_is_a_usage_error(tmp_path: Path) -> None:
    (tmp_path / "bad.pt").write_bytes(b"not a checkpoint")
    assert_refused(invoke(main, "--checkpoint", str(tmp_path / "bad.pt")), "not a readable ganedge checkpoint")


def test_checkpoint_of_another_latent_size_is_refused(smoke_run: Path, tmp_path: Path) -> None:
    state = torch.load(smoke_run / "checkpoint.pt", weights_only=True)
    state["config"]["latent_dim"] = 64
    torch.save(state, tmp_path / "other.pt")
    assert_refused(invoke(main, "--checkpoint", str(tmp_path / "other.pt")), "do not fit the report's architecture")


def test_no_runs_latest_is_a_usage_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert_refused(invoke(main), "no runs/latest")


def test_unsupported_opset_is_refused_up_front_with_the_range(smoke_run: Path) -> None:
    assert_refused(invoke(main, "--checkpoint", str(smoke_run / "checkpoint.pt"), "--opset", "11"), "15<=x<=23")


def test_unsupported_precision_is_refused(smoke_run: Path) -> None:
    assert_refused(invoke(main, "--checkpoint", str(smoke_run / "checkpoint.pt"), "--precision", "int4"), "int4")


def test_unwritable_out_is_refused_without_partial_file(smoke_run: Path, tmp_path: Path) -> None:
    result = invoke(main, "--checkpoint", str(smoke_run / "checkpoint.pt"), "--out", str(tmp_path / "missing" / "g.onnx"))
    assert_refused(result, "does not exist")
    assert not (tmp_path / "missing").exists()


def test_missing_torch_names_the_extra(tmp_path: Path) -> None:
    import subprocess
    import sys

    code = "import sys; sys.modules['torch'] = None; from ganedge.export.cli import main; raise SystemExit(main())"
    result = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True)
    assert result.returncode == 2
    assert "pip install 'ganedge[train]'" in result.stderr and "Traceback" not in result.stderr
