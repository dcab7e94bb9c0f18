"""Latent tools, part 2: ``gan-project``, the weights read from the ``.onnx`` itself, the numpy gradient, the projection."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import onnx
import pytest
import torch
from cli_checks import assert_refused, invoke, read_npz
from onnx import numpy_helper
from onnx_factory import build_generator, write_model
from PIL import Image

from ganedge.runtime import GeneratorModel
from ganedge.runtime.base import onnx_weights
from ganedge.runtime.base.dataset import read_split
from ganedge.runtime.base.errors import GanRuntimeError
from ganedge.runtime.base.onnx_weights import generator_weights, read_graph
from ganedge.runtime.base.pixels import pixels_to_values
from ganedge.runtime.commands.project import main as gan_project
from ganedge.runtime.generator import projection
from ganedge.runtime.generator.projection import (
    forward, loss_and_gradient, picture_target, project, projection_weights, psnr_db,
)
from ganedge.runtime.models import BUNDLED_MODEL

QUICK = ("--restarts", "2", "--steps", "40")


@pytest.fixture(scope="module")
def bundled() -> GeneratorModel:
    return GeneratorModel(device="cpu")


@pytest.fixture(scope="module")
def test_split(real_data_dir: Path):  # type: ignore[no-untyped-def]
    return read_split(real_data_dir, "test")


def _initializers(path: Path) -> dict[str, np.ndarray]:
    return {init.name: numpy_helper.to_array(init) for init in onnx.load(str(path)).graph.initializer}


# reading the weights


def test_the_reader_finds_the_same_weights_as_onnx_in_the_bundled_gemm_graph() -> None:
    weights = generator_weights(BUNDLED_MODEL)
    expected = _initializers(BUNDLED_MODEL)
    assert np.array_equal(weights.w1, expected["fc1.weight"]) and np.array_equal(weights.b1, expected["fc1.bias"])
    assert np.array_equal(weights.w2, expected["fc2.weight"]) and np.array_equal(weights.b2, expected["fc2.bias"])
    assert weights.alpha == pytest.approx(0.2)


def test_the_reader_also_takes_the_matmul_add_graph_and_stores_torchs_layout(model_file: Path) -> None:
    weights = generator_weights(model_file)
    expected = _initializers(model_file)
    assert np.array_equal(weights.w1, expected["W1"].T) and np.array_equal(weights.w2, expected["W2"].T)


def _reshape_first(model: onnx.ModelProto) -> onnx.ModelProto:
    """The factory's ``Tanh -> Reshape`` ending rewritten as today's exports end: ``Reshape -> Tanh``."""
    tanh, reshape = model.graph.node[-2], model.graph.node[-1]
    assert (tanh.op_type, reshape.op_type) == ("Tanh", "Reshape")
    linear_out, shape, output = tanh.input[0], reshape.input[1], reshape.output[0]
    del model.graph.node[-2:]
    model.graph.node.extend([onnx.helper.make_node("Reshape", [linear_out, shape], ["unbounded"]),
                             onnx.helper.make_node("Tanh", ["unbounded"], [output])])
    onnx.checker.check_model(model)
    return model


def test_the_reader_takes_either_order_of_the_last_tanh_and_reshape(in_tmp: Path) -> None:
    old = write_model(build_generator(), in_tmp / "tanh-then-reshape.onnx")
    new = write_model(_reshape_first(build_generator()), in_tmp / "reshape-then-tanh.onnx")
    assert [node.op_type for node in read_graph(new).nodes][-2:] == ["Reshape", "Tanh"]
    for name in ("w1", "b1", "w2", "b2", "alpha"):
        assert np.array_equal(getattr(generator_weights(old), name), getattr(generator_weights(new), name))


def test_another_op_after_the_second_linear_layer_is_refused_in_one_line(in_tmp: Path) -> None:
    model = build_generator()
    model.graph.node[-2].op_type = "Sigmoid"
    with pytest.raises(GanRuntimeError, match="has Sigmoid after the second linear layer"):
        generator_weights(write_model(model, in_tmp / "sigmoid.onnx"))


def test_the_reader_lists_every_node_in_file_order(model_file: Path) -> None:
    graph = read_graph(model_file)
    assert [node.op_type for node in graph.nodes] == [node.op_type for node in onnx.load(str(model_file)).graph.node]


def test_float_data_and_packed_dims_are_read_like_raw_data(in_tmp: Path) -> None:
    model = build_generator(latent_dim=4, hidden=3)
    for init in model.graph.initializer:
        if init.data_type == onnx.TensorProto.FLOAT:
            array = numpy_helper.to_array(init)
            init.ClearField("raw_data")
            init.float_data.extend(array.ravel().tolist())
    path = write_model(model, in_tmp / "float-data.onnx")
    weights = generator_weights(path)
    assert np.array_equal(weights.w1, numpy_helper.to_array(model.graph.initializer[0]).T)


def test_numpy_forward_reproduces_the_session(bundled: GeneratorModel) -> None:
    z = bundled.sample_latents(16, seed=3)
    images = bundled.generate(z, output="float").reshape(16, -1)
    assert np.max(np.abs(forward(projection_weights(bundled), z) - images)) < 1e-5


@pytest.mark.parametrize("precision", ["fp16", "int8"])
def test_fp16_and_int8_files_are_refused_in_one_line(in_tmp: Path, precision: str) -> None:
    from ganedge.export.precision import convert_precision

    path = write_model(convert_precision(build_generator(), precision), in_tmp / f"{precision}.onnx")
    with pytest.raises(GanRuntimeError, match="projection needs an fp32 ganedge generator"):
        projection_weights(GeneratorModel(path, device="cpu"))


def test_an_export_marked_int8_is_refused_by_its_metadata(in_tmp: Path) -> None:
    from onnx_factory import generator_metadata

    path = write_model(build_generator(metadata=generator_metadata(**{"ganedge.precision": "int8"})), in_tmp / "g.onnx")
    with pytest.raises(GanRuntimeError, match="is an int8 export"):
        projection_weights(GeneratorModel(path, device="cpu"))


def test_weights_that_do_not_reproduce_the_session_are_refused(model_file: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    real = generator_weights(model_file)
    wrong = onnx_weights.MlpWeights(real.w1, real.b1 + 1, real.w2, real.b2, real.alpha)
    monkeypatch.setattr(projection, "generator_weights", lambda path: wrong)
    with pytest.raises(GanRuntimeError, match="do not reproduce its images"):
        projection_weights(GeneratorModel(model_file, device="cpu"))


@pytest.mark.parametrize("content", [b"", b"not an onnx file", b"\x3a\xff\xff\xff\xff\x0f"])
def test_bytes_that_are_not_an_onnx_model_are_one_line(in_tmp: Path, content: bytes) -> None:
    (in_tmp / "bad.onnx").write_bytes(content)
    with pytest.raises(GanRuntimeError, match="not a readable ONNX model"):
        read_graph(in_tmp / "bad.onnx")


def test_a_truncated_model_file_is_one_line(model_file: Path, in_tmp: Path) -> None:
    (in_tmp / "cut.onnx").write_bytes(model_file.read_bytes()[:5000])
    with pytest.raises(GanRuntimeError, match="not a readable ONNX model"):
        read_graph(in_tmp / "cut.onnx")


# the gradient


@pytest.mark.parametrize("which", ["bundled", "factory"])
def test_the_numpy_gradient_equals_torch_autograd(model_file: Path, which: str) -> None:
    model = GeneratorModel(BUNDLED_MODEL if which == "bundled" else model_file, device="cpu")
    weights = projection_weights(model)
    z = model.sample_latents(6, seed=1).astype(np.float64) * 1.3
    targets = pixels_to_values(model.generate(model.sample_latents(6, seed=2))).reshape(6, -1).astype(np.float64)
    loss, gradient = loss_and_gradient(weights, z, targets, prior_weight=0.3)

    zt = torch.tensor(z, requires_grad=True)
    w1, b1, w2, b2 = (torch.tensor(np.asarray(w, np.float64)) for w in (weights.w1, weights.b1, weights.w2, weights.b2))
    images = torch.tanh(torch.nn.functional.leaky_relu(zt @ w1.T + b1, weights.alpha) @ w2.T + b2)
    expected = ((images - torch.tensor(targets)) ** 2).mean(dim=1) + 0.3 * ((zt * zt).sum(dim=1) / 100 - 1) ** 2
    expected.sum().backward()
    assert np.allclose(loss, expected.detach().numpy(), rtol=1e-10)
    assert np.allclose(gradient, zt.grad.numpy(), rtol=1e-8, atol=1e-12)


def test_the_levenberg_marquardt_step_uses_the_gradient_and_gauss_newton_matrix_of_the_true_loss(
    bundled: GeneratorModel,
) -> None:
    real = projection_weights(bundled)
    weights = onnx_weights.MlpWeights(*(np.asarray(w, np.float64) for w in (real.w1, real.b1, real.w2, real.b2)),
                                      real.alpha)
    z = bundled.sample_latents(2, seed=4).astype(np.float64)
    targets = forward(weights, bundled.sample_latents(2, seed=5).astype(np.float64))

    def step_terms(z: np.ndarray, targets: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        pre = z @ weights.w1.T + weights.b1
        return projection._gauss_newton(weights, z, pre, forward(weights, z), targets, 0.3)

    def loss(z: np.ndarray) -> np.ndarray:
        return loss_and_gradient(weights, z, targets, prior_weight=0.3)[0]

    gradient, _ = step_terms(z, targets)
    h = 1e-6
    steps = np.eye(100)[:, None, :] * h  # [coordinate, row, latent]
    numeric = np.stack([(loss(z + step) - loss(z - step)) / (2 * h) for step in steps], axis=1)
    assert np.allclose(gradient, numeric, rtol=1e-5, atol=1e-9)
    # Where the image is its target and |z|^2 = d, Gauss-Newton is the loss's exact Hessian.
    z = z * (10 / np.linalg.norm(z, axis=1, keepdims=True))
    _, hessian = step_terms(z, forward(weights, z))
    numeric = np.stack([(loss_and_gradient(weights, z + step, forward(weights, z), 0.3)[1]
                         - loss_and_gradient(weights, z - step, forward(weights, z), 0.3)[1]) / (2 * h)
                        for step in steps], axis=1)
    assert np.allclose(hessian, numeric, rtol=1e-4, atol=1e-9)


# projection


def test_projecting_a_generated_image_recovers_its_pixels(bundled: GeneratorModel) -> None:
    generated = bundled.generate(bundled.sample_latents(3, seed=11))
    result = project(bundled, generated, restarts=8, steps=300)
    assert np.all(result.psnr_db > 40), result.psnr_db


def test_projecting_a_factory_generated_image_recovers_it_too(model_file: Path) -> None:
    model = GeneratorModel(model_file, device="cpu")
    result = project(model, model.generate(model.sample_latents(2, seed=5)), restarts=8, steps=300)
    assert np.all(result.psnr_db > 40), result.psnr_db


def test_the_reconstruction_is_what_the_runtime_generates_from_the_latent(bundled: GeneratorModel, test_split) -> None:  # type: ignore[no-untyped-def]
    result = project(bundled, test_split.images[:2], restarts=2, steps=30)
    assert np.array_equal(result.reconstructions, bundled.generate(result.latents))
    assert np.array_equal(result.psnr_db, psnr_db(result.reconstructions, test_split.images[:2]))


def test_the_prior_keeps_the_latent_norm_near_the_square_root_of_the_latent_size(bundled: GeneratorModel, test_split) -> None:  # type: ignore[no-untyped-def]
    result = project(bundled, test_split.images[:4], restarts=2, steps=150)
    assert np.linalg.norm(result.latents, axis=1).mean() == pytest.approx(10, abs=1)


def test_psnr_is_infinite_for_identical_images_and_20_db_for_a_tenth_of_the_range() -> None:
    a = np.zeros((1, 28, 28), np.uint8)
    assert psnr_db(a, a)[0] == np.inf
    assert psnr_db(a, a + 25)[0] == pytest.approx(20 * np.log10(255 / 25))


def test_a_picture_light_on_black_is_taken_as_it_is() -> None:
    pixels = np.zeros((28, 28), np.uint8)
    pixels[5:20, 8:18] = 200
    assert np.array_equal(picture_target(Image.fromarray(pixels)), pixels)


def test_a_photo_dark_on_white_is_inverted_fitted_and_centred() -> None:
    photo = Image.new("RGB", (400, 200), "white")
    photo.paste((0, 0, 0), (100, 50, 300, 150))  # a black box in the middle
    target = picture_target(photo)
    assert target.shape == (28, 28)
    assert target[:7].max() == 0 and target[21:].max() == 0  # 400 x 200 fits as 28 x 14, centred on black
    assert target[12:16, 10:18].min() >= 250  # inverted: the black box is light now
    assert target[7, 0] <= 5 and target[20, 27] <= 5  # and the white around it dark


def test_invert_no_keeps_a_light_background() -> None:
    assert picture_target(Image.new("L", (28, 28), 230), invert="no").min() == 230
    assert picture_target(Image.new("L", (28, 28), 230)).max() == 25


def test_a_16_bit_grey_png_is_scaled_to_8_bits_not_clipped_to_white(in_tmp: Path) -> None:
    pixels = np.zeros((28, 28), np.uint8)
    pixels[5:20, 8:18] = 200
    Image.fromarray(pixels.astype(np.uint16) * 257).save(in_tmp / "sixteen.png")
    with Image.open(in_tmp / "sixteen.png") as picture:
        assert picture.mode.startswith("I") and np.array_equal(picture_target(picture), pixels)
    assert np.array_equal(picture_target(Image.fromarray(pixels.astype(np.int32) * 257)), pixels)  # mode I
    assert np.array_equal(picture_target(Image.fromarray(pixels / np.float32(255))), pixels)  # mode F, 0..1
    with pytest.raises(GanRuntimeError, match="floating-point pixels outside 0..1"):
        picture_target(Image.fromarray(pixels.astype(np.float32)))


def test_a_transparent_background_counts_as_white() -> None:
    picture = Image.new("RGBA", (28, 28), (0, 0, 0, 0))
    picture.paste((10, 10, 10, 255), (10, 10, 18, 18))
    target = picture_target(picture)
    assert target[0, 0] == 0 and target[14, 14] == 245


# gan-project


def test_a_test_image_gives_z_the_reconstruction_the_target_and_the_psnr(
    in_tmp: Path, test_split, bundled: GeneratorModel  # type: ignore[no-untyped-def]
) -> None:
    outcome = invoke(gan_project, "--test-index", "7", *QUICK, "--out", "z.npz")
    assert outcome.code == 0, outcome.output
    arrays = read_npz(in_tmp / "z.npz")
    assert arrays["z"].shape == (1, 100) and arrays["z"].dtype == np.float32
    assert arrays["reconstruction"].shape == (1, 28, 28) and arrays["reconstruction"].dtype == np.uint8
    assert np.array_equal(arrays["target"][0], test_split.images[7])
    assert np.array_equal(arrays["reconstruction"], bundled.generate(arrays["z"]))
    assert arrays["psnr_db"] == pytest.approx(psnr_db(arrays["reconstruction"], arrays["target"]))
    assert arrays["label"].tolist() == [test_split.labels[7]] and arrays["test_index"].tolist() == [7]
    assert "PSNR" in outcome.out and "classified as their true label" in outcome.out


def test_a_range_of_test_images_reports_the_median_psnr_and_the_labels_kept(in_tmp: Path) -> None:
    outcome = invoke(gan_project, "--test-index", "0-3", *QUICK, "--out", "four.npz")
    assert outcome.code == 0, outcome.output
    assert read_npz(in_tmp / "four.npz")["z"].shape == (4, 100)
    assert "4 images: median PSNR" in outcome.out


def test_a_picture_file_of_a_test_image_projects_like_the_test_image(in_tmp: Path, test_split) -> None:  # type: ignore[no-untyped-def]
    Image.fromarray(test_split.images[5]).save(in_tmp / "five.png")
    assert invoke(gan_project, "five.png", *QUICK, "--out", "a.npz").code == 0
    assert invoke(gan_project, "--test-index", "5", *QUICK, "--out", "b.npz").code == 0
    a, b = read_npz(in_tmp / "a.npz"), read_npz(in_tmp / "b.npz")
    assert np.array_equal(a["target"], b["target"]) and np.array_equal(a["z"], b["z"])


def test_a_jpeg_photo_of_any_size_is_projected(in_tmp: Path) -> None:
    photo = Image.new("RGB", (640, 480), (250, 250, 250))
    photo.paste((30, 30, 60), (200, 60, 440, 420))
    photo.save(in_tmp / "photo.jpg", quality=90)
    outcome = invoke(gan_project, "photo.jpg", *QUICK, "--png", "photo-projected.png")
    assert outcome.code == 0, outcome.output
    arrays = read_npz(in_tmp / "projection.npz")
    assert arrays["target"][0, 0, 0] == 0 and arrays["target"][0, 14, 14] > 180  # inverted: light garment on black
    with Image.open(in_tmp / "photo-projected.png") as picture:
        assert picture.height == 28 * 3 + 4  # one pair: target | projection


def test_the_png_draws_one_target_projection_pair_per_row(in_tmp: Path) -> None:
    assert invoke(gan_project, "--test-index", "0-2", *QUICK, "--png", "pairs.png", "--out", "p.npz").code == 0
    with Image.open(in_tmp / "pairs.png") as picture:
        assert picture.height == 2 + 3 * (28 * 3 + 2)


def test_an_npy_out_holds_the_latent_alone(in_tmp: Path) -> None:
    assert invoke(gan_project, "--test-index", "1", *QUICK, "--out", "z.npy").code == 0
    z = np.load(in_tmp / "z.npy", allow_pickle=False)
    assert z.shape == (1, 100) and z.dtype == np.float32


def test_only_the_first_psnrs_are_printed_one_by_one_as_the_help_says(in_tmp: Path) -> None:
    from ganedge.runtime.commands import project as command

    outcome = invoke(gan_project, "--test-index", "0-9", *QUICK, "--out", "ten.npz")
    assert outcome.code == 0, outcome.output
    assert [line.split(":")[0] for line in outcome.out.splitlines() if ": PSNR" in line] == [
        f"test {i}" for i in range(command.PRINTED_PSNR)]
    assert "10 images: median PSNR" in outcome.out and len(read_npz(in_tmp / "ten.npz")["psnr_db"]) == 10
    help_text = " ".join(invoke(gan_project, "--help").out.split())
    assert f"Prints the PSNR of the first {command.PRINTED_PSNR} reconstructions" in help_text
    assert "the median PSNR of all" in help_text


def test_a_bad_classifier_is_refused_before_the_projection_runs(in_tmp: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(projection, "project", lambda *args, **kwargs: pytest.fail("projected before the check"))
    (in_tmp / "broken.onnx").write_bytes(b"not an onnx file")
    for name in ("missing.onnx", "broken.onnx"):
        assert_refused(invoke(gan_project, "--test-index", "0", "--classifier", name, "--out", "z.npz"), name)
    assert not (in_tmp / "z.npz").exists()


def test_the_same_arguments_give_byte_identical_files(in_tmp: Path) -> None:
    for name in ("a", "b"):
        assert invoke(gan_project, "--test-index", "3", *QUICK, "--seed", "4", "--out", f"{name}.npz").code == 0
    assert (in_tmp / "a.npz").read_bytes() == (in_tmp / "b.npz").read_bytes()


@pytest.mark.parametrize("args, pattern", [
    ([], "give a PICTURE or --test-index"),
    (["x.png", "--test-index", "1"], "not both"),
    (["missing.png"], "does not exist"),
    (["--test-index", "10000"], "images 0 to 9999"),
    (["--test-index", "5-3"], "A <= B"),
    (["--test-index", "-1"], "is not a test image (a whole number >= 0)"),
    (["--test-index", "1", "--invert", "yes"], "--invert is for a PICTURE"),
    (["x.png", "--data-dir", "."], "for --test-index"),
    (["--test-index", "1", "--out", "z.txt"], "must end in .npz"),
    (["--test-index", "1", "--restarts", "0"], "--restarts"),
    (["--test-index", "1", "--data-dir", "."], "does not hold the four FashionMNIST"),
    (["not-a-picture.png"], "cannot read 'not-a-picture.png' as a picture"),
    (["--test-index", "1", "--model", "int8.onnx"], "projection needs an fp32 ganedge generator"),
])
def test_bad_input_is_refused_in_one_line_and_writes_nothing(in_tmp: Path, args: list[str], pattern: str) -> None:
    from ganedge.export.precision import convert_precision

    Image.new("L", (28, 28)).save(in_tmp / "x.png")
    (in_tmp / "not-a-picture.png").write_text("hello")
    write_model(convert_precision(build_generator(), "int8"), in_tmp / "int8.onnx")
    before = set(in_tmp.iterdir())
    assert_refused(invoke(gan_project, *args), pattern)
    assert set(in_tmp.iterdir()) == before


def test_help_shows_how_to_project_and_feed_gan_run(capsys: pytest.CaptureFixture[str]) -> None:
    assert gan_project(["--help"]) == 0
    text = capsys.readouterr().out
    assert "gan-project --test-index 7 --out z.npz" in text and "gan-run --latents z.npz" in text


def test_the_commands_defaults_are_the_apis() -> None:
    from ganedge.runtime.commands import project as command

    assert (command.DEFAULT_RESTARTS, command.DEFAULT_STEPS) == (projection.DEFAULT_RESTARTS, projection.DEFAULT_STEPS)
