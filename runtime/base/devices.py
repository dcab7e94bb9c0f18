"""The devices a ganedge model runs on, and the onnxruntime execution providers behind them.

``auto`` means CUDA when its provider really loads, else CPU; ``cuda`` means
CUDA or an error, never a silent CPU run; ``cpu`` means CPU. How a session is
opened on each is :mod:`ganedge.runtime.generator.session`'s job; the names
live here so every command can offer them without importing onnxruntime.
"""

from __future__ import annotations

DEVICES = ("auto", "cpu", "cuda")
CPU_PROVIDER = "CPUExecutionProvider"
CUDA_PROVIDER = "CUDAExecutionProvider"
MAX_THREADS = 256  # onnxruntime intra-op threads a user may ask for (--threads, threads=)
