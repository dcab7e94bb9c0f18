"""Export defaults and tolerances, named once (the optimum exporters' habit)."""

DEFAULT_ONNX_OPSET = 17
# torch 2.14's exporter builds at opset 18 and converts down; below 15 the
# converter has no adapters (measured: it keeps 18 with only a log line), and
# 23 is the newest opset that onnxruntime 1.2x releases all load.
MIN_ONNX_OPSET = 15
MAX_ONNX_OPSET = 23

PRECISIONS = ("fp32", "fp16", "int8")
DEFAULT_PRECISION = "fp32"

VALIDATION_BATCH_SIZES = (1, 7, 256)
VALIDATION_SEED = 1234
ATOL_FOR_VALIDATION = 1e-5  # fp32: max |onnxruntime - PyTorch| on [-1, 1] images
# Reduced precisions are judged by PSNR against the fp32 PyTorch output.
MIN_PSNR_DB = {"fp16": 50.0, "int8": 35.0}

