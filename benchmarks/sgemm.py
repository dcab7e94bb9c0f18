"""What this CPU can do: the fp32 matrix-multiply rate, measured in the same run.

The Generator is two matrix products plus cheap element-wise passes, so a
large SGEMM (NumPy's BLAS, square ``size x size``) is the yardstick its
large-batch throughput is judged against. torch's own rate is recorded too,
since eager PyTorch runs its matmuls through a different library.
"""

from __future__ import annotations

import time
from typing import Any, Callable

import numpy as np

# fc1 (latent 100 -> 128) and fc2 (128 -> 784), 2 flops per multiply-add.
GENERATOR_FLOPS_PER_IMAGE = 2 * (100 * 128 + 128 * 784)


def generator_flops(batch: int, latent_dim: int = 100) -> int:
    """Floating-point operations of the Generator's two matmuls for ``batch`` images.

    Examples
    --------
    >>> generator_flops(1)
    226304
    """
    return 2 * batch * (latent_dim * 128 + 128 * 784)


def _best_seconds(call: Callable[[], object], repeats: int) -> float:
    """The fastest of ``repeats`` calls: the yardstick is what the CPU can do, and a busy moment only slows a call."""
    call()  # warm-up: thread pools, page faults on the output
    samples = []
    for _ in range(repeats):
        started = time.perf_counter()
        call()
        samples.append(time.perf_counter() - started)
    return min(samples)


def measure_sgemm(size: int, repeats: int) -> dict[str, Any]:
    """GFLOP/s of ``float32 [size, size] @ [size, size]`` in NumPy (the reference) and torch.

    Examples
    --------
    >>> measure_sgemm(256, 1)["gflops"] > 0
    True
    """
    rng = np.random.default_rng(0)
    a = rng.standard_normal((size, size), dtype=np.float32)
    b = rng.standard_normal((size, size), dtype=np.float32)
    out = np.empty_like(a)
    flops = 2.0 * size**3
    numpy_s = _best_seconds(lambda: np.matmul(a, b, out=out), repeats)
    result: dict[str, Any] = {"size": size, "repeats": repeats, "best_seconds": numpy_s, "gflops": flops / numpy_s / 1e9,
                              "library": "numpy"}
    try:
        import torch

        ta, tb, tout = torch.from_numpy(a), torch.from_numpy(b), torch.from_numpy(out)
        torch_s = _best_seconds(lambda: torch.matmul(ta, tb, out=tout), repeats)
        result["torch_gflops"] = flops / torch_s / 1e9
    except ImportError:
        pass
    return result
