"""Float output runs on the graph cut down to ``image``: the same images, without computing the pixels too."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import onnx
import onnxruntime as ort
import pytest
from onnx import TensorProto, helper

from ganedge.runtime import GeneratorModel
from ganedge.runtime.base.onnx_prune import keep_outputs
from ganedge.runtime.generator.session import direct_run
from ganedge.runtime.models import BUNDLED_MODEL

from onnx_factory import build_generator, write_model


def test_keeping_every_output_gives_back_the_same_bytes() -> None:
    whole = BUNDLED_MODEL.read_bytes()
    assert keep_outputs(whole, {"image", "pixels"}) == whole


def test_keeping_image_drops_the_pixel_nodes_initializers_and_output() -> None:
    whole = onnx.load(BUNDLED_MODEL)
    cut = onnx.load_from_string(keep_outputs(BUNDLED_MODEL.read_bytes(), {"image"}))
    onnx.checker.check_model(cut, full_check=True)
    assert [output.name for output in cut.graph.output] == ["image"]
    assert [node.op_type for node in cut.graph.node] == ["Gemm", "LeakyRelu", "Gemm", "Reshape", "Tanh"]
    assert not any(init.name.startswith("ganedge_pixels") for init in cut.graph.initializer)
    assert cut.metadata_props == whole.metadata_props  # the rest of the file is untouched


def test_the_cut_graph_computes_the_same_image_bit_for_bit() -> None:
    z = np.random.default_rng(0).standard_normal((300, 100)).astype(np.float32)
    whole = ort.InferenceSession(str(BUNDLED_MODEL), providers=["CPUExecutionProvider"])
    cut = ort.InferenceSession(keep_outputs(BUNDLED_MODEL.read_bytes(), {"image"}), providers=["CPUExecutionProvider"])
    assert np.array_equal(cut.run(["image"], {"z": z})[0], whole.run(["image"], {"z": z})[0])


def test_an_output_the_graph_lacks_is_an_error() -> None:
    with pytest.raises(ValueError, match="no output"):
        keep_outputs(BUNDLED_MODEL.read_bytes(), {"logits"})


def test_a_graph_with_subgraphs_comes_back_unchanged() -> None:
    branch = helper.make_graph([helper.make_node("Identity", ["x"], ["y_branch"])], "branch", [],
                               [helper.make_tensor_value_info("y_branch", TensorProto.FLOAT, [1])])
    graph = helper.make_graph(
        [helper.make_node("If", ["condition"], ["y"], then_branch=branch, else_branch=branch),
         helper.make_node("Neg", ["x"], ["unused"])],
        "with_if",
        [helper.make_tensor_value_info("condition", TensorProto.BOOL, []),
         helper.make_tensor_value_info("x", TensorProto.FLOAT, [1])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1]),
         helper.make_tensor_value_info("unused", TensorProto.FLOAT, [1])])
    model = helper.make_model(graph).SerializeToString()
    assert keep_outputs(model, {"y"}) == model  # the If's branches read x from the outer graph


@pytest.mark.parametrize("n", [1, 50, 500, 3000])  # bound buffers, one thread, many threads, chunks side by side
def test_float_output_runs_without_the_pixels_and_gives_the_same_images(n: int) -> None:
    model = GeneratorModel(device="cpu", threads=2)
    z = model.sample_latents(n, seed=n)
    expected = direct_run(model.session)(["image"], {"z": z})[0]
    assert np.array_equal(model.generate(z, output="float"), expected)
    float_sessions = model._sessions("float")
    assert [output.name for output in float_sessions.one_thread.get_outputs()] == ["image"]


def test_pixels_alone_never_open_the_float_graph() -> None:
    model = GeneratorModel(device="cpu", threads=2)
    model.generate(model.sample_latents(3000, seed=1))
    assert model._float_only is None  # gan-run's cold start pays for one session only


def test_a_file_without_pixels_uses_its_one_graph_for_float(tmp_path: Path) -> None:
    model = GeneratorModel(write_model(build_generator(), tmp_path / "old.onnx"), device="cpu")
    assert model._sessions("float") is model._sessions("uint8")
