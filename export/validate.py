"""Prove an exported file reproduces PyTorch: same latents through both, compared per batch size.

The optimum exporters' discipline: validation is a step of export, not an
afterthought. fp32 must match within ``ATOL_FOR_VALIDATION``; reduced
precisions are judged by PSNR against the fp32 PyTorch output (images span
[-1, 1], so the peak-to-peak range in the PSNR is 2).
"""

from __future__ import annotations

import math

import numpy as np
import onnx
import torch

from ganedge.runtime.base.contract import INPUT_NAME, OUTPUT_NAME, PIXELS_NAME
from ganedge.runtime.base.pixels import to_uint8

from .defaults import ATOL_FOR_VALIDATION, MIN_PSNR_DB, VALIDATION_BATCH_SIZES, VALIDATION_SEED
from .errors import ValidationError

IMAGE_VALUE_SPAN = 2.0  # tanh output spans [-1, 1]


def psnr_db(reference: np.ndarray, candidate: np.ndarray) -> float:
    """Peak signal-to-noise ratio in dB for images in [-1, 1] (``inf`` when identical).

    Examples
    --------
    >>> round(psnr_db(np.zeros(4), np.full(4, 0.02)), 1)
    40.0
    """
    mse = float(np.mean((reference.astype(np.float64) - candidate.astype(np.float64)) ** 2))
    return math.inf if mse == 0.0 else 10.0 * math.log10(IMAGE_VALUE_SPAN**2 / mse)


def validate_against_torch(
    model: onnx.ModelProto | bytes | str,
    generator: torch.nn.Module,
    precision: str,
    batch_sizes: tuple[int, ...] = VALIDATION_BATCH_SIZES,
    atol: float = ATOL_FOR_VALIDATION,
) -> dict[str, dict[str, float]]:
    """Run ``model`` in onnxruntime (CPU) and ``generator`` in PyTorch on the same fixed latents.

    Returns ``{"batch_1": {"max_abs_diff": ..., "psnr_db": ...}, ...}`` and raises
    ``ValidationError`` (carrying those figures) when fp32 differs by more than
    ``atol`` anywhere, or a reduced precision falls under its PSNR floor. When
    the file has a ``pixels`` output, each batch also records how many of its
    pixels differ from the runtime's mapping of the PyTorch images (and of the
    file's own ``image``), and by how much; more than one grey level fails.

    Examples
    --------
    >>> from ganedge.export.convert import generator_to_onnx
    >>> from ganedge.train.model import Generator
    >>> generator = Generator().eval()
    >>> figures = validate_against_torch(generator_to_onnx(generator, 100, 17), generator, "fp32")
    >>> figures["batch_7"]["max_abs_diff"] < 1e-5
    True
    """
    import onnxruntime as ort

    payload = model.SerializeToString() if isinstance(model, onnx.ModelProto) else model
    session = ort.InferenceSession(payload, providers=["CPUExecutionProvider"])
    latent_dim = int(session.get_inputs()[0].shape[1])
    names = [output.name for output in session.get_outputs()]
    rng = np.random.default_rng(VALIDATION_SEED)
    figures: dict[str, dict[str, float]] = {}
    failures: list[str] = []
    generator = generator.eval()
    for batch in batch_sizes:
        latents = rng.standard_normal((batch, latent_dim)).astype(np.float32)
        with torch.inference_mode():
            expected = generator(torch.from_numpy(latents)).numpy()
        outputs = dict(zip(names, session.run(names, {INPUT_NAME: latents})))
        produced = outputs[OUTPUT_NAME]
        if produced.shape != expected.shape:
            failures.append(f"batch {batch}: output shape {produced.shape}, PyTorch gives {expected.shape}")
            continue
        diff = float(np.max(np.abs(produced.astype(np.float64) - expected)))
        quality = psnr_db(expected, produced)
        figures[f"batch_{batch}"] = {"max_abs_diff": diff, "psnr_db": quality}
        if PIXELS_NAME in outputs:
            pixel_figures = pixel_agreement(outputs[PIXELS_NAME], expected, produced)
            figures[f"batch_{batch}"] |= pixel_figures
            if pixel_figures["pixels_max_diff_own"] > 1 or (precision == "fp32" and pixel_figures["pixels_max_diff"] > 1):
                failures.append(f"batch {batch}: pixels differ by up to {pixel_figures['pixels_max_diff']:.0f} grey levels")
        if precision == "fp32" and not diff <= atol:
            failures.append(f"batch {batch}: max abs diff {diff:.3g} > atol {atol:g}")
        elif precision != "fp32" and not quality >= MIN_PSNR_DB[precision]:
            failures.append(f"batch {batch}: PSNR {quality:.1f} dB < {MIN_PSNR_DB[precision]:g} dB")
    if failures:
        raise ValidationError(f"{precision} export does not reproduce PyTorch: " + "; ".join(failures)
                              + "; no file was written", figures)
    return figures


def pixel_agreement(pixels: np.ndarray, reference: np.ndarray, own: np.ndarray) -> dict[str, float]:
    """How the graph's ``pixels`` compare with the runtime's mapping of the PyTorch images and of the file's ``image``.

    Examples
    --------
    >>> images = np.array([[[[-1.0, 0.0, 1.0]]]], np.float32)
    >>> pixel_agreement(np.array([[[0, 128, 255]]], np.uint8), images, images)["pixels_share_differing"]
    0.0
    """
    wanted, from_own = to_uint8(reference).astype(np.int16), to_uint8(own).astype(np.int16)
    gap = np.abs(pixels.astype(np.int16) - wanted)
    return {"pixels_max_diff": float(gap.max()), "pixels_share_differing": float(np.mean(gap > 0)),
            "pixels_max_diff_own": float(np.abs(pixels.astype(np.int16) - from_own).max())}


def format_figures(figures: dict[str, dict[str, float]]) -> str:
    """One line per batch size, e.g. ``batch 7: max abs diff 2.4e-07, PSNR 129.3 dB, pixels 0.0% off by <= 1``."""
    def pixels(values: dict[str, float]) -> str:
        if "pixels_share_differing" not in values:
            return ""
        return (f", pixels {values['pixels_share_differing']:.4%} differ from PyTorch's"
                f" (at most {values['pixels_max_diff']:.0f} grey level)")

    return "\n".join(
        f"  {name.replace('_', ' ')}: max abs diff {values['max_abs_diff']:.2e}, PSNR {values['psnr_db']:.1f} dB{pixels(values)}"
        for name, values in figures.items()
    )
