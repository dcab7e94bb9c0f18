"""The pixel mapping inside the exported graph: a second output ``pixels``, uint8 ``[N, H, W]``.

``image`` stays the float contract; ``pixels`` is computed from it in three
nodes, a ``Reshape`` to ``[N, H, W]`` (a view of ``image``), then
``QuantizeLinear(image + 1, scale 1/127.5, zero point 0)``, which is
``clip(round((image + 1) * 127.5), 0, 255)``, the runtime's own mapping
(:func:`ganedge.runtime.base.pixels.to_uint8`), done by onnxruntime on
cache-sized pieces instead of by numpy afterwards, and on CUDA copied home
at a quarter of the size. ``QuantizeLinear`` divides by the scale where
numpy multiplies, so a value within a rounding error of a half level can
land one grey level apart: validation measures and records how many.

The Reshape comes first so that the QuantizeLinear writes ``pixels``:
onnxruntime gives every graph output its own buffer, and a Reshape writing
one copies it (53 of 1,590 us per 1,024 images, docs/decisions.md).
"""

from __future__ import annotations

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

from ganedge.runtime.base.contract import OUTPUT_NAME, PIXELS_NAME
from ganedge.runtime.base.pixels import PIXEL_SCALE

IMAGE_2D = "ganedge_pixels_image2d"  # image as [N, H, W], a view
SHIFTED = "ganedge_pixels_shifted"  # image + 1, in [0, 2]


def add_pixels_output(model: onnx.ModelProto, height: int, width: int) -> onnx.ModelProto:
    """Append ``pixels`` (uint8 ``[N, height, width]``) after the model's ``image`` output; returns ``model``.

    Examples
    --------
    >>> from ganedge.export.convert import generator_to_onnx
    >>> from ganedge.train.model import Generator
    >>> model = add_pixels_output(generator_to_onnx(Generator().eval(), 100, 17), 28, 28)
    >>> [output.name for output in model.graph.output], [node.op_type for node in model.graph.node][-3:]
    (['image', 'pixels'], ['Reshape', 'Add', 'QuantizeLinear'])
    """
    graph = model.graph
    graph.initializer.extend([
        numpy_helper.from_array(np.array(1.0, np.float32), "ganedge_pixels_one"),
        numpy_helper.from_array(np.array(1.0 / PIXEL_SCALE, np.float32), "ganedge_pixels_scale"),
        numpy_helper.from_array(np.array(0, np.uint8), "ganedge_pixels_zero"),
        numpy_helper.from_array(np.array([-1, height, width], np.int64), "ganedge_pixels_shape"),
    ])
    graph.node.extend([
        helper.make_node("Reshape", [OUTPUT_NAME, "ganedge_pixels_shape"], [IMAGE_2D], name="pixels_reshape"),
        helper.make_node("Add", [IMAGE_2D, "ganedge_pixels_one"], [SHIFTED], name="pixels_shift"),
        helper.make_node("QuantizeLinear", [SHIFTED, "ganedge_pixels_scale", "ganedge_pixels_zero"], [PIXELS_NAME],
                         name="pixels_quantize"),
    ])
    batch = graph.output[0].type.tensor_type.shape.dim[0].dim_param or "N"
    graph.output.append(helper.make_tensor_value_info(PIXELS_NAME, TensorProto.UINT8, [batch, height, width]))
    return model
