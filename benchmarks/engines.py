"""The four ways to run the same Generator weights on the CPU, each as ``latents -> images``.

- ``pytorch-eager``: the training code's ``Generator`` under ``inference_mode``.
- ``ganedge-runtime``: the product, through its public API as users call it
  (``generate()``, uint8 pixels), and ``ganedge-runtime-float`` asked for float
  images, the job the float engines do;
- ``pytorch-eager-pixels``: eager PyTorch plus the same pixel mapping, the
  fair baseline of the uint8 call.
- ``ort-session-run``: a bare ``InferenceSession.run``, to show what the
  runtime's own wrapping costs.
- ``numpy-blas``: the same arithmetic by hand (two BLAS matmuls, bias,
  LeakyReLU, tanh), to show how close a hand-written path gets to the metal.

Each engine takes float32 latents ``[n, latent_dim]`` and returns float32
images ``[n, 1, 28, 28]`` in [-1, 1] (the two pixel engines: uint8 ``[n, 28,
28]``); moving between NumPy and torch is zero-copy, so no engine is charged
for a conversion the others skip.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable

import numpy as np

from .defaults import ENGINE_NUMPY, ENGINE_RUNTIME, ENGINE_RUNTIME_FLOAT, ENGINE_SESSION, ENGINE_TORCH, ENGINE_TORCH_PIXELS

Engine = Callable[[np.ndarray], np.ndarray]
IMAGE_SHAPE = (1, 28, 28)
LEAKY_SLOPE = 0.2  # the report's LeakyReLU(0.2), as in ganedge.train.model


def generator_weights(checkpoint: Path) -> dict[str, np.ndarray]:
    """The Generator's four tensors as float32 NumPy arrays (``fc1.weight`` etc.)."""
    from ganedge.train.checkpoint import generator_from_checkpoint

    state = generator_from_checkpoint(checkpoint).state_dict()
    return {name: tensor.detach().cpu().numpy().astype(np.float32) for name, tensor in state.items()}


def torch_engine(checkpoint: Path, device: str = "cpu") -> Engine:
    """Eager PyTorch on ``device``; threads are whatever ``torch.set_num_threads`` was given."""
    import torch

    from ganedge.train.checkpoint import generator_from_checkpoint

    generator = generator_from_checkpoint(checkpoint)

    def generate(latents: np.ndarray) -> np.ndarray:
        with torch.inference_mode():
            return generator(torch.from_numpy(latents)).numpy()

    return generate


def cpu_session(model_path: Path, threads: int, optimization: str = "all", profile_prefix: str | None = None) -> Any:
    """An onnxruntime CPU session with ``threads`` intra-op threads (the same count torch gets).

    ``optimization`` is ``"disable"``, ``"basic"``, ``"extended"`` or ``"all"``
    (onnxruntime's default, which fuses the activations into the Gemms).
    """
    import onnxruntime as ort

    levels = {
        "disable": ort.GraphOptimizationLevel.ORT_DISABLE_ALL,
        "basic": ort.GraphOptimizationLevel.ORT_ENABLE_BASIC,
        "extended": ort.GraphOptimizationLevel.ORT_ENABLE_EXTENDED,
        "all": ort.GraphOptimizationLevel.ORT_ENABLE_ALL,
    }
    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.graph_optimization_level = levels[optimization]
    options.log_severity_level = 3  # warnings about unused initializers are noise here
    if profile_prefix is not None:
        options.enable_profiling = True
        options.profile_file_prefix = profile_prefix
    source = model_path if isinstance(model_path, bytes) else str(model_path)
    return ort.InferenceSession(source, options, providers=["CPUExecutionProvider"])


def session_engine(model_path: Path, threads: int) -> Engine:
    """A bare ``InferenceSession.run``: the floor under any Python wrapper of onnxruntime."""
    session = cpu_session(model_path, threads)
    input_name = session.get_inputs()[0].name

    def generate(latents: np.ndarray) -> np.ndarray:
        return session.run(None, {input_name: latents})[0]

    return generate


def numpy_engine(checkpoint: Path) -> Engine:
    """The Generator's arithmetic written out in NumPy, in place wherever NumPy allows."""
    weights = generator_weights(checkpoint)
    w1 = np.ascontiguousarray(weights["fc1.weight"].T)  # [latent, hidden]
    b1 = weights["fc1.bias"]
    w2 = np.ascontiguousarray(weights["fc2.weight"].T)  # [hidden, pixels]
    b2 = weights["fc2.bias"]

    def generate(latents: np.ndarray) -> np.ndarray:
        hidden = latents @ w1
        hidden += b1
        np.maximum(hidden, hidden * LEAKY_SLOPE, out=hidden)
        flat = hidden @ w2
        flat += b2
        np.tanh(flat, out=flat)
        return flat.reshape(len(latents), *IMAGE_SHAPE)

    return generate


def runtime_model(model_path: Path, threads: int) -> Any:
    """The ganedge runtime's model object, opened on the CPU through its public API with ``threads`` threads."""
    from ganedge.runtime import GeneratorModel

    return GeneratorModel(model_path, device="cpu", threads=threads)


def runtime_engine(model_path: Path, threads: int, output: str = "float") -> Engine:
    """The ganedge runtime API: ``generate(latents)`` as users call it (``output="uint8"``), or float images."""
    model = runtime_model(model_path, threads)

    def generate(latents: np.ndarray) -> np.ndarray:
        return model.generate(latents, output=output)  # type: ignore[arg-type]

    return generate


def with_pixel_mapping(engine: Engine) -> Engine:
    """``engine``'s float images mapped to uint8 pixels by the runtime's own mapping, in one numpy pass."""
    from ganedge.runtime.base.pixels import to_uint8

    return lambda latents: to_uint8(engine(latents))


def build_cpu_engines(checkpoint: Path, fp32_model: Path, threads: int) -> dict[str, Engine]:
    """All six CPU engines on the same weights.

    Examples
    --------
    >>> engines = build_cpu_engines(ckpt, onnx_path, threads=2)   # doctest: +SKIP
    >>> sorted(engines)
    ['ganedge-runtime', 'ganedge-runtime-float', 'numpy-blas', 'ort-session-run', 'pytorch-eager', 'pytorch-eager-pixels']
    """
    torch = torch_engine(checkpoint)
    return {
        ENGINE_TORCH: torch,
        ENGINE_TORCH_PIXELS: with_pixel_mapping(torch),
        ENGINE_RUNTIME: runtime_engine(fp32_model, threads, "uint8"),
        ENGINE_RUNTIME_FLOAT: runtime_engine(fp32_model, threads, "float"),
        ENGINE_SESSION: session_engine(fp32_model, threads),
        ENGINE_NUMPY: numpy_engine(checkpoint),
    }


def fixed_latents(batch: int, latent_dim: int, seed: int) -> np.ndarray:
    """Standard-normal float32 latents, the same for every engine at a batch size."""
    return np.random.default_rng(seed + batch).standard_normal((batch, latent_dim), dtype=np.float32)
