"""Latency of a callable: warm-up, then interleaved rounds of timed calls.

Why interleaved: on a small shared machine the background load drifts. Timing
engine A for a second and then engine B for a second puts that drift into the
A/B ratio; giving each engine a slice per round, several rounds over, spreads
it over all of them, so the ratios measured in one run are fair.
"""

from __future__ import annotations

import math
import time
from dataclasses import asdict, dataclass
from typing import Any, Callable, Mapping

import numpy as np

from .defaults import Budget


@dataclass(frozen=True)
class Timing:
    """Per-call wall times of one engine at one batch size, summarised."""

    calls: int
    median_s: float
    p99_s: float
    mean_s: float
    total_s: float

    @classmethod
    def from_samples(cls, samples: list[float]) -> "Timing":
        values = np.asarray(samples, dtype=np.float64)
        return cls(len(values), float(np.median(values)), float(np.percentile(values, 99)),
                   float(values.mean()), float(values.sum()))

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def time_interleaved(calls: Mapping[str, Callable[[], object]], budget: Budget) -> dict[str, Timing]:
    """Time each zero-argument callable until ``budget.min_seconds`` or ``budget.min_calls`` is reached.

    Each callable is warmed up first (``budget.warmup_calls``, also to let
    allocators and thread pools settle); then ``budget.rounds`` rounds give
    every callable an equal share of the budget in turn.

    Examples
    --------
    >>> from benchmarks.defaults import QUICK
    >>> timings = time_interleaved({"noop": lambda: None}, QUICK)
    >>> timings["noop"].calls >= 1
    True
    """
    for call in calls.values():
        for _ in range(budget.warmup_calls):
            call()
    samples: dict[str, list[float]] = {name: [] for name in calls}
    seconds_per_round = budget.min_seconds / budget.rounds
    calls_per_round = max(1, math.ceil(budget.min_calls / budget.rounds))
    clock = time.perf_counter
    for _ in range(budget.rounds):
        for name, call in calls.items():
            bucket = samples[name]
            round_start = clock()
            done = 0
            while done < calls_per_round:
                started = clock()
                call()
                ended = clock()
                bucket.append(ended - started)
                done += 1
                if ended - round_start >= seconds_per_round:
                    break
    return {name: Timing.from_samples(bucket) for name, bucket in samples.items()}


def time_once(call: Callable[[], object]) -> float:
    """Wall time of one call, for jobs too long to repeat (a training epoch)."""
    started = time.perf_counter()
    call()
    return time.perf_counter() - started
