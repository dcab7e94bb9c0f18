"""PyTorch Generator -> ONNX ``ModelProto`` at exactly the requested opset.

Why the dynamo exporter (``torch.onnx.export(..., dynamo=True)``) and not the
legacy TorchScript one (torch 2.14.1, this Generator):

- dynamo writes the minimal graph ``Gemm, LeakyRelu, Gemm, Reshape, Tanh``
  with the output typed ``[N, 1, 28, 28]``; the legacy exporter adds nine
  shape-computation nodes (Shape, Gather, Unsqueeze, Concat, Constant...)
  around the Reshape, and at low opsets types the output ``[N, ?, ?, ?]``;
- the legacy exporter is deprecated in torch 2.x.

Its catch: dynamo builds at opset 18 and converts down; where the converter
has no adapter (opset < 15) it keeps 18 and only logs. So the opset of the
produced model is checked here, and out-of-range opsets are refused up front.
"""

from __future__ import annotations

import contextlib
import io
import logging
import os
import tempfile

import onnx
import torch

from ganedge.runtime.base.contract import INPUT_NAME, OUTPUT_NAME

from .defaults import MAX_ONNX_OPSET, MIN_ONNX_OPSET
from .errors import ExportError

BATCH_DIM_NAME = "N"


def check_opset(opset: int) -> None:
    if not MIN_ONNX_OPSET <= opset <= MAX_ONNX_OPSET:
        raise ExportError(
            f"opset {opset} is not supported: torch {torch.__version__}'s exporter produces opsets "
            f"{MIN_ONNX_OPSET} to {MAX_ONNX_OPSET} for this model; use --opset 17 (the default)"
        )


def default_domain_opset(model: onnx.ModelProto) -> int:
    return next(entry.version for entry in model.opset_import if entry.domain in ("", "ai.onnx"))


def generator_to_onnx(generator: torch.nn.Module, latent_dim: int, opset: int) -> onnx.ModelProto:
    """Export ``generator`` (eval mode) with a symbolic batch dimension ``N``.

    Examples
    --------
    >>> from ganedge.train.model import Generator
    >>> model = generator_to_onnx(Generator().eval(), 100, 17)
    >>> [node.op_type for node in model.graph.node]
    ['Gemm', 'LeakyRelu', 'Gemm', 'Reshape', 'Tanh']
    """
    return module_to_onnx(generator, torch.zeros(2, latent_dim), INPUT_NAME, [OUTPUT_NAME], opset)


def module_to_onnx(
    module: torch.nn.Module, example: torch.Tensor, input_name: str, output_names: list[str], opset: int
) -> onnx.ModelProto:
    """Export any one-input ``module`` (eval mode) at exactly ``opset``, batch dimension named ``N``."""
    check_opset(opset)
    module = module.eval()
    batch = torch.export.Dim(BATCH_DIM_NAME, min=1)
    handle, tmp_name = tempfile.mkstemp(suffix=".onnx")
    os.close(handle)
    quiet = io.StringIO()
    exporter_logger = logging.getLogger("torch.onnx")
    previous_level = exporter_logger.level
    exporter_logger.setLevel(logging.ERROR)
    try:
        with contextlib.redirect_stdout(quiet), contextlib.redirect_stderr(quiet):
            torch.onnx.export(
                module, (example,), tmp_name,
                input_names=[input_name], output_names=output_names,
                opset_version=opset, dynamo=True, external_data=False,
                dynamic_shapes=({0: batch},), optimize=True,
            )
        model = onnx.load(tmp_name)
    except Exception as error:
        if _caused_by_interrupt(error):  # exporters wrap what they catch; Ctrl-C stays Ctrl-C
            raise KeyboardInterrupt from None
        said = [line.strip() for line in f"{error}".splitlines() if line.strip()]
        raise ExportError(f"torch.onnx.export failed at opset {opset}: {said[0][:300] if said else type(error).__name__}") from None
    finally:
        exporter_logger.setLevel(previous_level)
        os.unlink(tmp_name)
    produced = default_domain_opset(model)
    if produced != opset:
        raise ExportError(f"asked for opset {opset} but the exporter produced opset {produced}; use --opset 17")
    _name_batch_dimension(model)
    return model


def _caused_by_interrupt(error: BaseException) -> bool:
    """Whether ``error`` was raised while handling a ``KeyboardInterrupt`` (anywhere in its chain)."""
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        if isinstance(current, KeyboardInterrupt):
            return True
        seen.add(id(current))
        current = current.__cause__ or current.__context__
    return False


def _name_batch_dimension(model: onnx.ModelProto) -> None:
    """Give input and output the same batch name ``N`` and fixed trailing dims (``[N, 1, 28, 28]``)."""
    for value in (*model.graph.input, *model.graph.output):
        dims = value.type.tensor_type.shape.dim
        dims[0].dim_param = BATCH_DIM_NAME
        for dim in dims[1:]:
            if not dim.HasField("dim_value"):
                raise ExportError(f"{value.name} has a symbolic dimension besides the batch: {dims}")
