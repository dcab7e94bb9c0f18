"""Latents: sampling, 1-based latent numbers and the report's perturbation rows."""

from __future__ import annotations

import numpy as np
import pytest

from ganedge.runtime import GanRuntimeError, experiment_rows, perturb_label, perturb_latents, sample_latents
from ganedge.runtime.generator.latents import latent_index

REPORT_EXPERIMENTS = [(2, (0.0, 10.0, 100.0)), (71, (-10.0, 10.0, 100.0)), (100, (-50.0, -10.0, 10.0))]


def test_sample_latents_is_float32_standard_normal_of_the_asked_shape() -> None:
    z = sample_latents(4096, seed=0, latent_dim=100)
    assert z.dtype == np.float32 and z.shape == (4096, 100)
    assert abs(float(z.mean())) < 0.01 and abs(float(z.std()) - 1.0) < 0.01


def test_sample_latents_is_reproducible_and_prefix_stable() -> None:
    assert np.array_equal(sample_latents(8, 3, 100), sample_latents(8, 3, 100))
    assert np.array_equal(sample_latents(16, 3, 100)[:8], sample_latents(8, 3, 100))
    assert not np.array_equal(sample_latents(8, 3, 100), sample_latents(8, 4, 100))


@pytest.mark.parametrize("n, seed, latent_dim", [(0, 0, 100), (-1, 0, 100), (2.5, 0, 100), (8, -1, 100), (1, 0, 0),
                                                (1, 0, -100), (1, 0, 2.5)])
def test_sample_latents_rejects_bad_counts_seeds_and_sizes(n: object, seed: int, latent_dim: object) -> None:
    with pytest.raises(GanRuntimeError):
        sample_latents(n, seed, latent_dim)  # type: ignore[arg-type]


def test_latent_numbers_count_from_one_like_the_report() -> None:
    assert latent_index(1, 100) == 0
    assert latent_index(71, 100) == 70
    assert latent_index(100, 100) == 99


@pytest.mark.parametrize("number", [0, 101, -1])
def test_latent_number_zero_and_above_the_latent_size_are_errors(number: int) -> None:
    with pytest.raises(GanRuntimeError, match="count from 1 to 100"):
        latent_index(number, 100)


def test_perturb_sets_the_numbered_entry_in_every_latent_and_nothing_else() -> None:
    z = sample_latents(8, 0, 100)
    before = z.copy()
    rows = perturb_latents(z, 71, [-10, 10, 100])
    assert np.array_equal(z, before)  # input untouched
    for row, value in zip(rows, [-10, 10, 100]):
        assert np.all(row[:, 70] == value)
        assert np.array_equal(np.delete(row, 70, axis=1), np.delete(z, 70, axis=1))


@pytest.mark.parametrize("values", [[], [float("nan")], [float("inf")], [1.0, 1.0]], ids=["empty", "nan", "inf", "dup"])
def test_perturb_rejects_empty_non_finite_and_repeated_values(values: list[float]) -> None:
    with pytest.raises(GanRuntimeError):
        perturb_latents(sample_latents(2, 0, 100), 71, values)


def test_perturb_labels_read_like_the_report() -> None:
    assert perturb_label(71, -10.0) == "#71 = -10"
    assert perturb_label(2, 0.5) == "#2 = 0.5"
    assert perturb_label(100, 1e-7) == "#100 = 1e-07"


def test_without_perturbations_the_grid_is_one_row_of_random_z() -> None:
    z = sample_latents(8, 0, 100)
    rows, labels = experiment_rows(z, [])
    assert labels == ["random z"] and len(rows) == 1 and np.array_equal(rows[0], z)


def test_the_reports_three_experiments_give_an_unmodified_row_plus_one_row_per_value() -> None:
    z = sample_latents(8, 0, 100)
    rows, labels = experiment_rows(z, REPORT_EXPERIMENTS)
    assert labels == [
        "random z", "#2 = 0", "#2 = 10", "#2 = 100",
        "random z", "#71 = -10", "#71 = 10", "#71 = 100",
        "random z", "#100 = -50", "#100 = -10", "#100 = 10",
    ]
    assert [np.array_equal(row, z) for row in rows].count(True) == 3
    assert np.all(rows[1][:, 1] == 0) and np.all(rows[5][:, 70] == -10) and np.all(rows[9][:, 99] == -50)
