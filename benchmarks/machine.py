"""Which machine and software the numbers came from, and one thread count for all engines.

A benchmark table without its machine is unreadable a month later, so every
result carries the CPU model, core count, memory and library versions. The
thread count is set once, here, for every engine: torch, onnxruntime and the
BLAS behind NumPy, so no engine wins by using more cores than another.
"""

from __future__ import annotations

import os
import platform
from pathlib import Path
from typing import Any

THREAD_ENV_VARS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")


def default_threads() -> int:
    """The cores this process may run on (``sched_getaffinity``, which honours CPU pinning)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def pin_blas_threads(threads: int) -> None:
    """Tell OpenMP/OpenBLAS/MKL the thread count; must run before NumPy or torch is imported."""
    for name in THREAD_ENV_VARS:
        os.environ[name] = str(threads)


def set_torch_threads(threads: int) -> None:
    """Same intra-op thread count for torch as for onnxruntime's ``intra_op_num_threads``."""
    import torch

    torch.set_num_threads(threads)


def cpu_model() -> str:
    """``model name`` from ``/proc/cpuinfo``, else whatever ``platform`` knows."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.lower().startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def memory_gib() -> float | None:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return round(int(line.split()[1]) / 1024**2, 1)
    except (OSError, ValueError):
        pass
    return None


def last_level_cache_mb() -> float | None:
    """Size of the largest CPU cache (MB), from sysfs: outputs beyond it stream through DRAM."""
    sizes = []
    for entry in Path("/sys/devices/system/cpu/cpu0/cache").glob("index*/size"):
        text = entry.read_text().strip().upper()
        try:
            scale = {"K": 1024, "M": 1024**2}.get(text[-1], 1)
            sizes.append(int(text.rstrip("KM")) * scale / 1e6)
        except (ValueError, IndexError):
            continue
    return max(sizes) if sizes else None


def _version(module: str) -> str | None:
    try:
        from importlib.metadata import version

        return version(module)
    except Exception:  # not installed, or installed without metadata
        return None


def blas_name() -> str:
    """The BLAS NumPy was built with (the "NumPy" engine and the SGEMM rate both use it)."""
    import numpy as np

    try:
        config = np.show_config(mode="dicts")  # NumPy >= 1.26
        blas = config["Build Dependencies"]["blas"]
        return f"{blas.get('name', '?')} {blas.get('version', '')}".strip()
    except Exception:  # older NumPy or an unexpected layout: the name is a nicety
        return "unknown"


def describe_machine(threads: int) -> dict[str, Any]:
    """Everything the results file says about where it was measured.

    Examples
    --------
    >>> describe_machine(2)["threads"]
    2
    """
    return {
        "cpu": cpu_model(),
        "logical_cores": os.cpu_count(),
        "usable_cores": default_threads(),
        "memory_gib": memory_gib(),
        "last_level_cache_mb": last_level_cache_mb(),
        "threads": threads,
        "platform": platform.platform(),
        "python": platform.python_version(),
        "versions": {
            name: _version(name)
            for name in ("ganedge", "torch", "torchvision", "onnxruntime", "onnxruntime-gpu", "numpy", "onnx")
            if _version(name) is not None
        },
        "blas": blas_name(),
    }
