"""The Python draw of numpy's normal numbers: the same numbers as numpy.random, every step and every rare path."""

from __future__ import annotations

import sys
from typing import Iterator

import numpy as np
import pytest

from ganedge.runtime.base import normal_draws
from ganedge.runtime.base.normal_draws import (pcg64_words, python_draw_available, seed_words, standard_normal_float32,
                                               ziggurat_tables)
from ganedge.runtime.generator import latents
from ganedge.runtime.generator.latents import PYTHON_DRAW_LIMIT, sample_latents

SEEDS = [0, 1, 7, 12345, 2**32 - 1, 2**32, 2**64 + 12, 2**130 + 99]  # one to five 32-bit words of entropy

pytestmark = pytest.mark.skipif(not python_draw_available(), reason="the Python draw needs the C library's log1pf")


@pytest.mark.parametrize("seed", SEEDS)
def test_seed_words_are_numpys_seed_sequence(seed: int) -> None:
    assert seed_words(seed, 8) == np.random.SeedSequence(seed).generate_state(8).tolist()


@pytest.mark.parametrize("seed", SEEDS)
def test_pcg64_words_are_numpys_raw_draws_low_half_first(seed: int) -> None:
    raw = np.random.PCG64(seed).random_raw(50).tolist()
    words = pcg64_words(seed)
    assert [next(words) for _ in range(100)] == [half for value in raw for half in (value & 0xFFFFFFFF, value >> 32)]


def test_the_ziggurat_tables_hold_numpys_entries() -> None:
    """A few entries as numpy's ziggurat_constants.h has them; k[2] and k[255] are where rounding (not truncating) shows."""
    k, w, f = ziggurat_tables()
    assert (k[0], k[1], k[2], k[3], k[254], k[255]) == (0x7799EC, 0, 0x6045F5, 0x6D1AA8, 0x7B3630, 0x78D2D2)
    expected_w = {0: 4.66198677960027669255e-07, 1: 2.56588335019207033255e-08, 255: 4.35608969373823260746e-07}
    expected_f = {0: 1.0, 1: 9.77101701267671596263e-01, 128: 3.07697412504292056035e-01, 255: 1.26028593049859797236e-03}
    assert {i: w[i] for i in expected_w} == {i: float(np.float32(value)) for i, value in expected_w.items()}
    assert {i: f[i] for i in expected_f} == {i: float(np.float32(value)) for i, value in expected_f.items()}


def test_the_ziggurat_layers_shrink_towards_the_peak() -> None:
    k, w, f = ziggurat_tables()
    assert k[1] == 0 and all(0 < bound < 2**23 for bound in k[2:]) and 0 < k[0] < 2**23
    assert all(a > b for a, b in zip(f, f[1:])), "densities fall layer by layer outwards"
    assert all(a < b for a, b in zip(w[1:], w[2:])), "edges move outwards layer by layer"
    assert w[255] * 2**23 == pytest.approx(3.6541528853610088, rel=1e-7)


def test_standard_normal_float32_is_numpys_over_every_path(monkeypatch: pytest.MonkeyPatch) -> None:
    """300,000 numbers per seed take the wedge ~4,000 times and the tail ~80 times: all equal numpy's, bit for bit."""
    tails = []
    tail = normal_draws._tail

    def counted_tail(words: Iterator[int], magnitude: int) -> float:
        tails.append(magnitude)
        return tail(words, magnitude)

    monkeypatch.setattr(normal_draws, "_tail", counted_tail)
    for seed in (0, 3, 2**40 + 1):
        ours = standard_normal_float32(seed, 300_000)
        numpys = np.random.default_rng(seed).standard_normal(300_000, dtype=np.float32)
        assert ours.dtype == np.float32
        np.testing.assert_array_equal(ours, numpys)
    assert len(tails) > 50, "the tail was exercised"
    assert any(value >> 8 & 1 for value in tails) and not all(value >> 8 & 1 for value in tails), "both signs"


def test_the_tail_takes_the_c_librarys_log1pf() -> None:
    """Seed 5's 18,975th number comes from the tail where a double log1p rounded to float32 would give another one."""
    np.testing.assert_array_equal(standard_normal_float32(5, 20_000),
                                  np.random.default_rng(5).standard_normal(20_000, dtype=np.float32))


@pytest.mark.parametrize("n", [1, 8, PYTHON_DRAW_LIMIT // 100, PYTHON_DRAW_LIMIT // 100 + 1, 300])
def test_sample_latents_draws_numpys_numbers_on_either_path(n: int, monkeypatch: pytest.MonkeyPatch) -> None:
    drawn = _as_in_a_fresh_process(monkeypatch)
    z = sample_latents(n, 5, 100)
    assert drawn == ([n * 100] if n * 100 <= PYTHON_DRAW_LIMIT else [])
    monkeypatch.undo()
    np.testing.assert_array_equal(z, np.random.default_rng(5).standard_normal((n, 100), dtype=np.float32))


def test_a_process_draws_in_python_only_until_the_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    """A server or a long --seeds run keeps drawing: past the limit numpy.random's speed wins, import and all."""
    drawn = _as_in_a_fresh_process(monkeypatch)
    calls = PYTHON_DRAW_LIMIT // 800 + 5
    latents_per_seed = [sample_latents(8, seed, 100) for seed in range(calls)]
    assert drawn == [800] * (PYTHON_DRAW_LIMIT // 800)
    monkeypatch.undo()
    for seed, z in enumerate(latents_per_seed):
        np.testing.assert_array_equal(z, np.random.default_rng(seed).standard_normal((8, 100), dtype=np.float32))


def test_sample_latents_uses_numpy_random_once_it_is_loaded(monkeypatch: pytest.MonkeyPatch) -> None:
    """The Python draw only spares the import; once numpy.random is loaded it is faster at every size."""
    import numpy.random  # noqa: F401

    monkeypatch.setattr(latents, "_drawn_in_python", 0)
    monkeypatch.setattr(latents, "standard_normal_float32", lambda seed, count: pytest.fail("drew in Python"))
    assert sample_latents(8, 0, 100).shape == (8, 100)


def test_without_the_c_librarys_log1pf_numpy_draws(monkeypatch: pytest.MonkeyPatch) -> None:
    drawn = _as_in_a_fresh_process(monkeypatch)
    monkeypatch.setattr(latents, "python_draw_available", lambda: False)
    z = sample_latents(8, 2, 100)
    assert drawn == []
    monkeypatch.undo()
    np.testing.assert_array_equal(z, np.random.default_rng(2).standard_normal((8, 100), dtype=np.float32))


def _as_in_a_fresh_process(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """numpy.random not yet imported, nothing drawn in Python yet; returns the list of Python draws' sizes."""
    drawn: list[int] = []
    monkeypatch.setattr(latents, "standard_normal_float32",
                        lambda seed, count: drawn.append(count) or standard_normal_float32(seed, count))
    monkeypatch.setattr(latents, "_drawn_in_python", 0)
    monkeypatch.delitem(sys.modules, "numpy.random", raising=False)
    return drawn
