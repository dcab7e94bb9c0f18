"""An ``.onnx`` model cut down to some of its outputs, without the ``onnx`` package.

onnxruntime runs every node of a graph whichever outputs a run fetches
(pruning to the fetches is compiled only into its training builds), so a
generator asked for its float ``image`` also computes the ``pixels`` branch:
14% of a float batch of 16384 on the CPU (docs/decisions.md). The runtime
opens its float sessions on the graph this module returns: the same bytes
with only the kept outputs, the nodes they need and those nodes'
initializers. Field numbers are those of ``onnx/onnx.proto``:
``ModelProto.graph`` = 7; ``GraphProto.node`` = 1, ``.initializer`` = 5,
``.output`` = 12, ``.value_info`` = 13; ``NodeProto.input`` = 1,
``.output`` = 2, ``.attribute`` = 5; ``AttributeProto.g`` = 6,
``.graphs`` = 11; ``TensorProto.name`` = 8; ``ValueInfoProto.name`` = 1.
"""

from __future__ import annotations

from typing import Collection

from .onnx_weights import fields

MODEL_GRAPH, GRAPH_NODE, GRAPH_INITIALIZER, GRAPH_OUTPUT, GRAPH_VALUE_INFO = 7, 1, 5, 12, 13
NODE_INPUT, NODE_OUTPUT, NODE_ATTRIBUTE = 1, 2, 5
ATTRIBUTE_GRAPH, ATTRIBUTE_GRAPHS = 6, 11
TENSOR_NAME, VALUE_INFO_NAME = 8, 1


def keep_outputs(model: bytes, outputs: Collection[str]) -> bytes:
    """``model`` (a serialized ``ModelProto``) with only ``outputs`` and what computes them.

    Everything else is copied field for field. A graph with subgraphs
    (``If``, ``Loop``) comes back unchanged: their nodes may read any
    tensor of the outer graph, which this does not follow.

    Raises
    ------
    ValueError
        Bytes that are not a well-formed protobuf message, or an output
        the graph does not have.

    Examples
    --------
    >>> from ganedge.runtime.base.onnx_weights import fields
    >>> from ganedge.runtime.models import BUNDLED_MODEL
    >>> image_only = keep_outputs(BUNDLED_MODEL.read_bytes(), {"image"})
    >>> len(image_only) < len(BUNDLED_MODEL.read_bytes())
    True
    """
    parts = []
    for number, wire, value in fields(memoryview(model)):
        if number == MODEL_GRAPH and isinstance(value, memoryview):
            value = memoryview(_graph_for(value, set(outputs)))
        parts.append(_field(number, wire, value))
    return b"".join(parts)


def _graph_for(graph: memoryview, outputs: set[str]) -> bytes:
    entries = list(fields(graph))
    declared = {_name(value, VALUE_INFO_NAME) for number, _, value in entries if number == GRAPH_OUTPUT}
    if not outputs <= declared:
        raise ValueError(f"the graph has no output {sorted(outputs - declared)}; it has {sorted(declared)}")
    nodes = [value for number, _, value in entries if number == GRAPH_NODE]
    if any(_has_subgraph(node) for node in nodes):
        return bytes(graph)
    needed, kept_nodes = set(outputs), set()
    for index in range(len(nodes) - 1, -1, -1):  # nodes are in topological order: walk back from the outputs
        node_inputs, node_outputs = _node_tensors(nodes[index])
        if needed & set(node_outputs):
            kept_nodes.add(index)
            needed.update(node_inputs)
    parts, node_index = [], 0
    for number, wire, value in entries:
        if number == GRAPH_NODE:
            keep = node_index in kept_nodes
            node_index += 1
        elif number == GRAPH_OUTPUT:
            keep = _name(value, VALUE_INFO_NAME) in outputs
        elif number == GRAPH_INITIALIZER:
            keep = _name(value, TENSOR_NAME) in needed
        elif number == GRAPH_VALUE_INFO:
            keep = _name(value, VALUE_INFO_NAME) in needed
        else:
            keep = True
        if keep:
            parts.append(_field(number, wire, value))
    return b"".join(parts)


def _node_tensors(node: int | memoryview) -> tuple[list[str], list[str]]:
    inputs, outputs = [], []
    for number, _, value in fields(_message(node)):
        if number == NODE_INPUT:
            inputs.append(_text(value))
        elif number == NODE_OUTPUT:
            outputs.append(_text(value))
    return inputs, outputs


def _has_subgraph(node: int | memoryview) -> bool:
    return any(number == NODE_ATTRIBUTE and any(field in (ATTRIBUTE_GRAPH, ATTRIBUTE_GRAPHS)
                                                for field, _, _ in fields(_message(value)))
               for number, _, value in fields(_message(node)))


def _name(message: int | memoryview, name_field: int) -> str:
    return next((_text(value) for number, _, value in fields(_message(message)) if number == name_field), "")


def _message(value: int | memoryview) -> memoryview:
    if isinstance(value, int):
        raise ValueError("a message is stored as a number")
    return value


def _text(value: int | memoryview) -> str:
    return bytes(_message(value)).decode("utf-8")


def _field(number: int, wire: int, value: int | memoryview) -> bytes:
    """One field as the wire carries it: the key, then the value (length-prefixed when wire type 2)."""
    key = _varint((number << 3) | wire)
    if isinstance(value, int):
        return key + _varint(value)
    if wire == 2:
        return key + _varint(len(value)) + bytes(value)
    return key + bytes(value)  # fixed 32 or 64 bits


def _varint(number: int) -> bytes:
    out = bytearray()
    while True:
        byte = number & 0x7F
        number >>= 7
        if number:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)
