"""The embeddable API: ``GeneratorModel`` / ``load_generator`` on a factory generator."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import onnx
import pytest
from onnx_factory import build_generator, reference_images, write_model

import ganedge.runtime.generator.model as generator_module
from ganedge.runtime import BUNDLED_MODEL, GanRuntimeError, GeneratorModel, load_generator, to_uint8


@pytest.fixture(scope="module")
def model(model_file: Path) -> GeneratorModel:
    return load_generator(model_file, device="cpu")


def test_a_model_exposes_its_latent_size_image_shape_metadata_path_and_provider(model: GeneratorModel, model_file: Path) -> None:
    assert model.latent_dim == 100
    assert model.image_shape == (1, 28, 28)
    assert model.metadata.value_range == (-1.0, 1.0)
    assert model.metadata.raw["ganedge.architecture"] == "test-factory-mlp-generator/1"
    assert model.path == model_file
    assert model.provider == "CPUExecutionProvider" == model.session.get_providers()[0]


def test_generate_returns_uint8_images_by_default(model: GeneratorModel) -> None:
    images = model.generate(model.sample_latents(8, seed=0))
    assert images.dtype == np.uint8 and images.shape == (8, 28, 28)


def test_generate_float_output_matches_the_graph_computed_in_numpy(model: GeneratorModel, model_file: Path) -> None:
    z = model.sample_latents(8, seed=1)
    images = model.generate(z, output="float")
    assert images.dtype == np.float32 and images.shape == (8, 1, 28, 28)
    np.testing.assert_allclose(images, reference_images(onnx.load(str(model_file)), z), atol=1e-5)


def test_uint8_output_is_the_float_output_through_the_pixel_mapping(model: GeneratorModel) -> None:
    z = model.sample_latents(8, seed=2)
    assert np.array_equal(model.generate(z), to_uint8(model.generate(z, output="float")))


def test_generate_in_chunks_gives_the_same_arrays_as_one_pass(model: GeneratorModel) -> None:
    z = model.sample_latents(50, seed=3)
    whole = model.generate(z, output="float", chunk_size=50)
    assert np.array_equal(model.generate(z, output="float", chunk_size=7), whole)
    assert np.array_equal(model.generate(z, chunk_size=1), to_uint8(whole))


def test_large_n_runs_in_chunks_of_bounded_size(model: GeneratorModel, monkeypatch: pytest.MonkeyPatch) -> None:
    sizes: list[int] = []
    real_run, real_run_into = generator_module.run, generator_module.run_into

    def recording_run(session: object, names: list[str], feeds: dict[str, np.ndarray], path: Path) -> list[np.ndarray]:
        sizes.append(len(feeds["z"]))
        return real_run(session, names, feeds, path)

    def recording_run_into(session: object, name: str, feeds: dict[str, np.ndarray], out: np.ndarray, path: Path) -> np.ndarray:
        sizes.append(len(feeds["z"]))
        return real_run_into(session, name, feeds, out, path)

    monkeypatch.setattr(generator_module, "run", recording_run)
    monkeypatch.setattr(generator_module, "run_into", recording_run_into)
    images = model.generate(model.sample_latents(10_000, seed=4), chunk_size=1024)
    assert images.shape == (10_000, 28, 28)
    assert max(sizes) == 1024 and sum(sizes) == 10_000


@pytest.mark.parametrize(
    "latents", [np.zeros((8, 99), np.float32), np.zeros((0, 100), np.float32), np.zeros(100, np.float32)],
    ids=["wrong-latent-size", "empty", "one-dimensional"],
)
def test_generate_rejects_latents_of_the_wrong_shape(model: GeneratorModel, latents: np.ndarray) -> None:
    with pytest.raises(GanRuntimeError, match=r"latents must be \[n, 100\]"):
        model.generate(latents)


@pytest.mark.parametrize("options", [{"output": "png"}, {"chunk_size": 0}])
def test_generate_rejects_bad_options(model: GeneratorModel, options: dict[str, object]) -> None:
    with pytest.raises(GanRuntimeError):
        model.generate(model.sample_latents(2), **options)  # type: ignore[arg-type]


def test_perturb_through_the_model_changes_only_the_numbered_entry(model: GeneratorModel) -> None:
    z = model.sample_latents(8, seed=0)
    rows = model.perturb(z, 71, [-10, 10, 100])
    assert len(rows) == 3 and all(np.all(row[:, 70] == v) for row, v in zip(rows, [-10, 10, 100]))
    assert not np.array_equal(model.generate(rows[0]), model.generate(rows[2]))


@pytest.mark.parametrize("number", [0, 101])
def test_perturb_rejects_numbers_outside_one_to_the_latent_size(model: GeneratorModel, number: int) -> None:
    with pytest.raises(GanRuntimeError, match="count from 1 to 100"):
        model.perturb(model.sample_latents(8), number, [1.0])


def test_render_gives_a_labelled_grid_of_the_rows(model: GeneratorModel) -> None:
    row = model.generate(model.sample_latents(8))
    picture = model.render([row, row], ["random z", "#71 = -10"], scale=2)
    assert picture.mode == "L" and picture.size[1] == 2 + 2 * (56 + 2)


def test_a_generator_of_another_size_reports_it(tmp_path: Path) -> None:
    path = write_model(build_generator(latent_dim=16, image_shape=(1, 8, 12)), tmp_path / "small.onnx")
    model = GeneratorModel(path, device="cpu")
    assert (model.latent_dim, model.image_shape) == (16, (1, 8, 12))
    assert model.generate(model.sample_latents(3)).shape == (3, 8, 12)


def test_the_bundled_model_is_a_report_sized_generator() -> None:
    """Fails until the trained generator is dropped into runtime/models/generator.onnx."""
    assert BUNDLED_MODEL.is_file(), f"missing {BUNDLED_MODEL}"
    model = load_generator(device="cpu")
    assert model.path == BUNDLED_MODEL
    assert (model.latent_dim, model.image_shape) == (100, (1, 28, 28))


def test_a_file_with_a_pixels_output_gets_its_pixels_from_the_graph(model_file: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    model = GeneratorModel(model_file, device="cpu")
    assert model.metadata.has_pixels
    converted: list[int] = []
    real_to_uint8 = generator_module.to_uint8
    monkeypatch.setattr(generator_module, "to_uint8", lambda *a, **k: converted.append(1) or real_to_uint8(*a, **k))
    for n in (1, 64, 65, 3000):  # the one-thread session, the main session, and chunks written in place
        z = model.sample_latents(n, seed=n)
        pixels = model.generate(z)
        assert pixels.dtype == np.uint8 and pixels.shape == (n, 28, 28)
        gap = np.abs(pixels.astype(int) - real_to_uint8(model.generate(z, output="float")).astype(int))
        assert gap.max() <= 1 and np.mean(gap > 0) < 1e-3
    assert converted == []  # numpy never converted a pixel


def test_an_older_file_without_pixels_is_converted_by_the_runtime_exactly(tmp_path: Path) -> None:
    model = GeneratorModel(write_model(build_generator(), tmp_path / "old.onnx"), device="cpu")
    assert not model.metadata.has_pixels
    z = model.sample_latents(3000, seed=1)
    assert np.array_equal(model.generate(z), to_uint8(model.generate(z, output="float")))
