"""On a GPU: eager PyTorch CUDA vs onnxruntime CUDA, compute and host copies timed apart.

Compute is timed with inputs already on the device and outputs left there,
synchronising after every call (a GPU call returns before the work is done,
so an unsynchronised timer measures only the launch). The host-to-device copy
of the latents and the device-to-host copy of the images are timed on their
own (pageable host memory, what a caller has by default). onnxruntime runs
with IO binding so its inputs and outputs stay on the device; without it
``session.run`` copies both ways on every call.

Each half is skipped, with the reason, when its library cannot use CUDA here
(e.g. the CPU-only ``onnxruntime`` package has no ``CUDAExecutionProvider``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable, Sequence

import numpy as np

from .defaults import LATENT_SEED, Budget
from .engines import fixed_latents
from .latency import timing_row
from .timing import time_interleaved


def cuda_availability() -> dict[str, str | None]:
    """For torch and onnxruntime: ``None`` when CUDA is usable, else why not."""
    reasons: dict[str, str | None] = {}
    try:
        import torch

        reasons["torch"] = None if torch.cuda.is_available() else "torch.cuda.is_available() is False (no GPU or no CUDA build)"
    except ImportError:
        reasons["torch"] = "torch is not installed"
    try:
        import onnxruntime as ort

        providers = ort.get_available_providers()
        reasons["onnxruntime"] = None if "CUDAExecutionProvider" in providers else (
            f"CUDAExecutionProvider not among onnxruntime's providers {providers} (install onnxruntime-gpu "
            "instead of onnxruntime)")
    except ImportError:
        reasons["onnxruntime"] = "onnxruntime is not installed"
    return reasons


def _rows(timings: dict[str, Any], batch: int, latent_dim: int) -> dict[str, Any]:
    """Compute as latency/images/GFLOP/s; each copy as latency and GB/s (float32 latents in, images out)."""
    moved = {"host_to_device": batch * latent_dim * 4, "device_to_host": batch * 784 * 4}
    rows = {}
    for name, timing in timings.items():
        if name in moved:
            rows[name] = {**timing.to_dict(), "bytes": moved[name], "gb_per_s": moved[name] / timing.median_s / 1e9}
        else:
            rows[name] = timing_row(timing, batch, None, None)
    return rows


def torch_cuda(checkpoint: Path, batch_sizes: Sequence[int], budget: Budget) -> dict[str, Any]:
    """Eager PyTorch on ``cuda:0``: compute, host-to-device and device-to-host per batch size."""
    import torch

    from ganedge.train.checkpoint import generator_from_checkpoint

    generator = generator_from_checkpoint(checkpoint).to("cuda")
    sync = torch.cuda.synchronize
    results: dict[str, Any] = {"device": torch.cuda.get_device_name(0), "batches": {}}
    for batch in batch_sizes:
        latents = fixed_latents(batch, generator.latent_dim, LATENT_SEED)
        host = torch.from_numpy(latents)
        on_device = host.to("cuda")
        with torch.inference_mode():
            images = generator(on_device)

        def compute() -> None:
            with torch.inference_mode():
                generator(on_device)
            sync()

        def to_device() -> None:
            host.to("cuda")
            sync()

        calls: dict[str, Callable[[], object]] = {"compute": compute, "host_to_device": to_device,
                                                  "device_to_host": lambda: images.cpu()}
        results["batches"][str(batch)] = _rows(time_interleaved(calls, budget), batch, generator.latent_dim)
    return results


def onnxruntime_cuda(model_path: Path, batch_sizes: Sequence[int], budget: Budget) -> dict[str, Any]:
    """onnxruntime's CUDA provider with IO binding: compute, host-to-device and device-to-host per batch size."""
    import onnxruntime as ort

    session = ort.InferenceSession(str(model_path), providers=[("CUDAExecutionProvider", {"device_id": 0}),
                                                               "CPUExecutionProvider"])
    if session.get_providers()[0] != "CUDAExecutionProvider":
        raise RuntimeError(f"onnxruntime fell back to {session.get_providers()}")
    input_meta, output_meta = session.get_inputs()[0], session.get_outputs()[0]
    latent_dim = int(input_meta.shape[1])
    results: dict[str, Any] = {"providers": session.get_providers(), "batches": {}}
    for batch in batch_sizes:
        latents = fixed_latents(batch, latent_dim, LATENT_SEED)
        on_device = ort.OrtValue.ortvalue_from_numpy(latents, "cuda", 0)
        output = ort.OrtValue.ortvalue_from_shape_and_type((batch, 1, 28, 28), np.float32, "cuda", 0)
        binding = session.io_binding()
        binding.bind_ortvalue_input(input_meta.name, on_device)
        binding.bind_ortvalue_output(output_meta.name, output)

        def compute() -> None:
            session.run_with_iobinding(binding)
            binding.synchronize_outputs()

        calls: dict[str, Callable[[], object]] = {
            "compute": compute,
            "host_to_device": lambda: ort.OrtValue.ortvalue_from_numpy(latents, "cuda", 0),  # a synchronous copy
            "device_to_host": output.numpy,
        }
        results["batches"][str(batch)] = _rows(time_interleaved(calls, budget), batch, latent_dim)
    return results


def measure_cuda(checkpoint: Path, fp32_model: Path, batch_sizes: Sequence[int], budget: Budget) -> dict[str, Any]:
    """Both halves where they can run; ``{"skipped": reason}`` when neither can.

    Examples
    --------
    >>> measure_cuda(ckpt, onnx_path, (1, 8), QUICK)   # on a machine without a GPU   # doctest: +SKIP
    {'skipped': 'torch: torch.cuda.is_available() is False ...; onnxruntime: CUDAExecutionProvider not ...'}
    """
    reasons = cuda_availability()
    if all(reason is not None for reason in reasons.values()):
        return {"skipped": "; ".join(f"{name}: {reason}" for name, reason in reasons.items())}
    section: dict[str, Any] = {}
    halves = {"torch": lambda: torch_cuda(checkpoint, batch_sizes, budget),
              "onnxruntime": lambda: onnxruntime_cuda(fp32_model, batch_sizes, budget)}
    for name, measure in halves.items():
        if reasons[name] is not None:
            section[name] = {"skipped": reasons[name]}
            continue
        try:
            section[name] = measure()
        except Exception as error:  # a driver or provider failure must not lose the CPU results
            section[name] = {"skipped": f"failed: {type(error).__name__}: {error}"}
    torch_part, ort_part = section.get("torch", {}), section.get("onnxruntime", {})
    if "batches" in torch_part and "batches" in ort_part:
        section["speedup_vs_torch_compute"] = {
            batch: torch_part["batches"][batch]["compute"]["median_s"] / row["compute"]["median_s"]
            for batch, row in ort_part["batches"].items()
        }
    return section
