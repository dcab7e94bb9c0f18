"""Reduced-precision variants of the fp32 ONNX model, made with onnxruntime's own tools.

- ``fp16``: weights and arithmetic in float16 via ``onnxruntime.transformers.float16``,
  with ``keep_io_types=True`` so the file still takes and returns float32 (the
  runtime and every caller stay unchanged).
- ``int8``: dynamic quantization (``quantize_dynamic``), int8 weights per output
  channel, activations quantized on the fly; inputs/outputs stay float32.
"""

from __future__ import annotations

import logging
import tempfile
from pathlib import Path

import onnx

from .errors import ExportError


def convert_precision(model: onnx.ModelProto, precision: str) -> onnx.ModelProto:
    """Return ``model`` in ``precision`` (``fp32`` returns it unchanged).

    Examples
    --------
    >>> from ganedge.export.convert import generator_to_onnx
    >>> from ganedge.train.model import Generator
    >>> int8_model = convert_precision(generator_to_onnx(Generator().eval(), 100, 17), "int8")
    >>> "MatMulInteger" in {node.op_type for node in int8_model.graph.node}
    True
    """
    if precision == "fp32":
        return model
    if precision == "fp16":
        from onnxruntime.transformers.float16 import convert_float_to_float16
        from onnxruntime.transformers.onnx_model import OnnxModel

        converted = OnnxModel(convert_float_to_float16(model, keep_io_types=True))
        converted.topological_sort()  # the converter appends its input casts last; the checker wants order
        return converted.model
    if precision == "int8":
        return _quantize_int8(model)
    raise ExportError(f"unknown precision {precision!r}; use fp32, fp16 or int8")


def _quantize_int8(model: onnx.ModelProto) -> onnx.ModelProto:
    from onnxruntime.quantization import QuantType, quantize_dynamic

    root_logger = logging.getLogger()  # quantize_dynamic logs a "consider pre-processing" hint there
    previous_level = root_logger.level
    root_logger.setLevel(logging.ERROR)
    try:
        with tempfile.TemporaryDirectory() as folder:
            source, target = Path(folder) / "fp32.onnx", Path(folder) / "int8.onnx"
            plain = onnx.ModelProto()
            plain.CopyFrom(model)
            # The exporter's value_info records the weights' shapes; onnxruntime 1.31's quantizer transposes
            # Gemm weights and then fails its own shape check against those stale entries. Inference redoes them.
            del plain.graph.value_info[:]
            onnx.save(plain, source)
            quantize_dynamic(source, target, per_channel=True, weight_type=QuantType.QInt8)
            quantized = onnx.load(target)
    finally:
        root_logger.setLevel(previous_level)
    return quantized
