"""A generator's weights read straight from its ``.onnx`` file, without the ``onnx`` package.

onnxruntime runs a model but cannot show its initializers, and the runtime
does not depend on ``onnx``; an ``.onnx`` file is a protobuf ``ModelProto``,
so this module reads the few fields it needs from the wire format itself
(:func:`read_graph`): the graph's nodes (op type, inputs, outputs, attributes)
and its initializers (name, data type, dims, data). Field numbers are those
of ``onnx/onnx.proto``:

- ``ModelProto.graph`` = 7; ``GraphProto.node`` = 1, ``.initializer`` = 5;
- ``NodeProto.input`` = 1, ``.output`` = 2, ``.op_type`` = 4, ``.attribute`` = 5;
- ``AttributeProto.name`` = 1, ``.f`` = 2, ``.i`` = 3;
- ``TensorProto.dims`` = 1, ``.data_type`` = 2, ``.int32_data`` = 5, ``.float_data`` = 4,
  ``.int64_data`` = 7, ``.name`` = 8, ``.raw_data`` = 9, ``.data_location`` = 14.

:func:`generator_weights` then recognises the report's MLP generator in the
graph, as ``gan-export`` writes it (``Gemm(transB=1) -> LeakyRelu -> Gemm ->
Reshape -> Tanh``; earlier exports end ``Tanh -> Reshape``) or with plain
``MatMul``/``Add`` pairs, and refuses anything else (fp16 and int8 files
among them) in one line.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

import numpy as np

from .errors import GanRuntimeError

# TensorProto.DataType -> little-endian numpy dtype, for the types a generator file may hold
DTYPES = {1: "<f4", 2: "u1", 3: "i1", 5: "<i2", 6: "<i4", 7: "<i8", 9: "u1", 10: "<f2", 11: "<f8"}
FLOAT = 1
EXTERNAL = 1  # TensorProto.DataLocation.EXTERNAL: the data lives in another file
MAX_FILE_BYTES = 1 << 30  # protobuf itself stops at 2 GiB; a generator of the report's size is 0.5 MB
NEEDS_FP32 = "projection needs an fp32 ganedge generator (gan-export --precision fp32)"


@dataclass(frozen=True)
class Node:
    """One ``NodeProto``: its op type, input and output names, and its int/float attributes."""

    op_type: str
    inputs: tuple[str, ...]
    outputs: tuple[str, ...]
    attributes: dict[str, float | int] = field(default_factory=dict)


@dataclass(frozen=True)
class Graph:
    """The nodes (in file order) and initializers (by name; ``None`` for a data type not in ``DTYPES``) of a model."""

    nodes: tuple[Node, ...]
    initializers: dict[str, np.ndarray | None]
    data_types: dict[str, int]


@dataclass(frozen=True)
class MlpWeights:
    """The report's generator as arrays: ``tanh(leaky(z @ w1.T + b1) @ w2.T + b2)``, torch's layout.

    ``w1`` is ``[hidden, latent]`` and ``w2`` ``[pixels, hidden]``, as
    ``fc1.weight`` and ``fc2.weight`` are in PyTorch (and SeFa takes them).
    """

    w1: np.ndarray
    b1: np.ndarray
    w2: np.ndarray
    b2: np.ndarray
    alpha: float  # LeakyReLU's negative slope

    @property
    def latent_dim(self) -> int:
        return int(self.w1.shape[1])


def _varint(data: memoryview, pos: int) -> tuple[int, int]:
    result = shift = 0
    while True:
        if pos >= len(data) or shift > 63:
            raise ValueError(f"a number runs past the end at byte {pos}")
        byte = data[pos]
        pos += 1
        result |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return result, pos
        shift += 7


def fields(data: memoryview) -> Iterator[tuple[int, int, int | memoryview]]:
    """``(field number, wire type, value)`` of each field of one protobuf message.

    Varints come as ``int``, length-delimited fields and fixed-width ones as
    the ``memoryview`` of their bytes.

    Examples
    --------
    >>> message = memoryview(b"\\x08\\x96\\x01\\x12\\x02hi")  # field 1 = 150 (varint), field 2 = "hi"
    >>> [(number, wire, bytes(value) if wire else value) for number, wire, value in fields(message)]
    [(1, 0, 150), (2, 2, b'hi')]
    """
    pos = 0
    while pos < len(data):
        key, pos = _varint(data, pos)
        number, wire = key >> 3, key & 7
        if wire == 0:
            value, pos = _varint(data, pos)
            yield number, wire, value
            continue
        if wire == 2:
            size, pos = _varint(data, pos)
        elif wire in (1, 5):
            size = 8 if wire == 1 else 4
        else:
            raise ValueError(f"wire type {wire} at byte {pos} (groups are not used by ONNX)")
        if pos + size > len(data):
            raise ValueError(f"field {number} runs past the end at byte {pos}")
        yield number, wire, data[pos:pos + size]
        pos += size


def _text(value: int | memoryview) -> str:
    if isinstance(value, int):
        raise ValueError("a name is stored as a number")
    return bytes(value).decode("utf-8")


def _bytes(value: int | memoryview) -> memoryview:
    if isinstance(value, int):
        raise ValueError("a message is stored as a number")
    return value


def _ints(wire: int, value: int | memoryview) -> list[int]:
    """A repeated int field, packed (one length-delimited run of varints) or not."""
    if wire == 0:
        return [int(value)]  # type: ignore[arg-type]
    data, pos, found = _bytes(value), 0, []
    while pos < len(data):
        number, pos = _varint(data, pos)
        found.append(number - (1 << 64) if number >= 1 << 63 else number)  # two's complement int64
    return found


def _attribute(data: memoryview) -> tuple[str, float | int | None]:
    name, value = "", None
    for number, wire, raw in fields(data):
        if number == 1:
            name = _text(raw)
        elif number == 2 and wire == 5:
            value = struct.unpack("<f", bytes(_bytes(raw)))[0]
        elif number == 3 and wire == 0:
            value = int(raw) - (1 << 64) if int(raw) >= 1 << 63 else int(raw)  # type: ignore[arg-type]
    return name, value


def _node(data: memoryview) -> Node:
    inputs, outputs, op_type, attributes = [], [], "", {}
    for number, _, raw in fields(data):
        if number == 1:
            inputs.append(_text(raw))
        elif number == 2:
            outputs.append(_text(raw))
        elif number == 4:
            op_type = _text(raw)
        elif number == 5:
            name, value = _attribute(_bytes(raw))
            if value is not None:
                attributes[name] = value
    return Node(op_type, tuple(inputs), tuple(outputs), attributes)


def _tensor(data: memoryview) -> tuple[str, int, np.ndarray | None]:
    name, data_type, dims, location = "", 0, [], 0
    raw_data: bytes | None = None
    floats: list[bytes] = []
    int32s: list[int] = []
    int64s: list[int] = []
    for number, wire, raw in fields(data):
        if number == 1:
            dims += _ints(wire, raw)
        elif number == 2:
            data_type = int(raw)  # type: ignore[arg-type]
        elif number == 4:
            floats.append(bytes(_bytes(raw)))  # packed run or one fixed32: little-endian floats either way
        elif number == 5:
            int32s += _ints(wire, raw)
        elif number == 7:
            int64s += _ints(wire, raw)
        elif number == 8:
            name = _text(raw)
        elif number == 9:
            raw_data = bytes(_bytes(raw))
        elif number == 14:
            location = int(raw)  # type: ignore[arg-type]
    if location == EXTERNAL:
        raise ValueError(f"initializer {name!r} keeps its data in an external file")
    dtype = DTYPES.get(data_type)
    if dtype is None:
        return name, data_type, None
    if raw_data is not None:
        array = np.frombuffer(raw_data, dtype=dtype)
    elif floats:
        array = np.frombuffer(b"".join(floats), dtype="<f4")
    elif int64s:
        array = np.array(int64s, dtype=dtype)
    else:  # int32_data also carries the narrow types (int8, uint8, float16 as its bit pattern)
        array = np.array(int32s, dtype="<i4").astype(dtype) if data_type != 10 else \
            np.array(int32s, dtype="<u2").view("<f2")
    count = int(np.prod(dims)) if dims else 1
    if array.size != count:
        raise ValueError(f"initializer {name!r} has {array.size} numbers for dims {dims}")
    return name, data_type, array.reshape(dims).astype(array.dtype.newbyteorder("="))


def read_graph(path: str | Path) -> Graph:
    """The nodes and initializers of the ``.onnx`` file at ``path``.

    Raises
    ------
    GanRuntimeError
        An unreadable file, or bytes that are not a well-formed ONNX model.

    Examples
    --------
    >>> from ganedge.runtime.models import BUNDLED_MODEL
    >>> graph = read_graph(BUNDLED_MODEL)
    >>> [node.op_type for node in graph.nodes], graph.initializers["fc1.weight"].shape
    (['Gemm', 'LeakyRelu', 'Gemm', 'Reshape', 'Tanh', 'Reshape', 'Add', 'QuantizeLinear'], (128, 100))
    """
    try:
        with open(path, "rb") as stream:
            content = stream.read(MAX_FILE_BYTES + 1)
    except OSError as error:
        raise GanRuntimeError(f"cannot read {str(path)!r}: {error.strerror or error}") from None
    if len(content) > MAX_FILE_BYTES:
        raise GanRuntimeError(f"{str(path)!r} is larger than {MAX_FILE_BYTES >> 20} MiB, not a ganedge generator")
    nodes, initializers, data_types = [], {}, {}
    try:
        graphs = [_bytes(raw) for number, _, raw in fields(memoryview(content)) if number == 7]
        if not graphs:
            raise ValueError("it has no graph")
        for number, _, raw in fields(graphs[-1]):
            if number == 1:
                nodes.append(_node(_bytes(raw)))
            elif number == 5:
                name, data_type, array = _tensor(_bytes(raw))
                initializers[name], data_types[name] = array, data_type
    except (ValueError, UnicodeDecodeError, struct.error) as error:
        raise GanRuntimeError(f"{str(path)!r} is not a readable ONNX model ({error})") from None
    return Graph(tuple(nodes), initializers, data_types)


def _consumer(graph: Graph, tensor: str) -> Node | None:
    users = [node for node in graph.nodes if tensor in node.inputs]
    return users[0] if len(users) == 1 else None


def _float_weight(graph: Graph, name: str, path: str | Path) -> np.ndarray:
    array = graph.initializers.get(name)
    if array is None or graph.data_types.get(name) != FLOAT:
        kind = "not stored in the file" if name not in graph.data_types else f"ONNX data type {graph.data_types[name]}"
        raise GanRuntimeError(f"{str(path)!r}: weight {name!r} is {kind}, not float32; {NEEDS_FP32}")
    return array


def _linear(graph: Graph, node: Node, path: str | Path) -> tuple[np.ndarray, np.ndarray, str]:
    """``(weight [out, in], bias [out], output name)`` of a ``Gemm`` or of a ``MatMul`` and the ``Add`` after it."""
    if node.op_type == "Gemm":
        attrs = node.attributes
        if len(node.inputs) != 3 or attrs.get("transA", 0) != 0 or attrs.get("alpha", 1.0) != 1.0 \
                or attrs.get("beta", 1.0) != 1.0:
            raise GanRuntimeError(f"{str(path)!r}: a Gemm with attributes {attrs} is not the report's linear layer; "
                                  f"{NEEDS_FP32}")
        weight = _float_weight(graph, node.inputs[1], path)
        weight = weight if attrs.get("transB", 0) == 1 else weight.T
        return weight, _float_weight(graph, node.inputs[2], path), node.outputs[0]
    if node.op_type == "MatMul":
        weight = _float_weight(graph, node.inputs[1], path).T  # z @ W: W is [in, out]
        add = _consumer(graph, node.outputs[0])
        if add is None or add.op_type != "Add":
            raise GanRuntimeError(f"{str(path)!r}: a MatMul without its bias Add; {NEEDS_FP32}")
        bias_name = add.inputs[1] if add.inputs[0] == node.outputs[0] else add.inputs[0]
        return weight, _float_weight(graph, bias_name, path), add.outputs[0]
    raise GanRuntimeError(f"{str(path)!r} has {node.op_type} where a float32 linear layer (Gemm) belongs; {NEEDS_FP32}")


def _next(graph: Graph, tensor: str, op_type: str, path: str | Path) -> Node:
    node = _consumer(graph, tensor)
    if node is None:
        raise GanRuntimeError(f"{str(path)!r}: {tensor!r} does not feed exactly one node; {NEEDS_FP32}")
    if op_type and node.op_type != op_type:
        raise GanRuntimeError(f"{str(path)!r} has {node.op_type} where {op_type} belongs "
                              f"(Gemm -> LeakyRelu -> Gemm -> Reshape -> Tanh); {NEEDS_FP32}")
    return node


def generator_weights(path: str | Path, input_name: str = "z", output_name: str = "image") -> MlpWeights:
    """The report's MLP generator read from ``path``: ``z -> linear -> LeakyRelu -> linear -> Reshape -> Tanh -> image``.

    Earlier exports end ``Tanh -> Reshape`` (the same numbers) and are read too.
    A linear layer is a ``Gemm`` (``transA=0``, ``alpha=beta=1``, either
    ``transB``) or a ``MatMul`` followed by an ``Add``, with float32 weights.

    Raises
    ------
    GanRuntimeError
        Any other graph (fp16 or int8 exports, other architectures), in one
        line that says what was found.

    Examples
    --------
    >>> from ganedge.runtime.models import BUNDLED_MODEL
    >>> weights = generator_weights(BUNDLED_MODEL)
    >>> weights.w1.shape, weights.w2.shape, round(weights.alpha, 2)
    ((128, 100), (784, 128), 0.2)
    """
    graph = read_graph(path)
    w1, b1, hidden = _linear(graph, _next(graph, input_name, "", path), path)
    leaky = _next(graph, hidden, "LeakyRelu", path)
    w2, b2, flat = _linear(graph, _next(graph, leaky.outputs[0], "", path), path)
    first = _next(graph, flat, "", path)
    if first.op_type not in ("Tanh", "Reshape"):
        raise GanRuntimeError(f"{str(path)!r} has {first.op_type} after the second linear layer, where Reshape "
                              f"(or Tanh) belongs; {NEEDS_FP32}")
    last = _next(graph, first.outputs[0], "Reshape" if first.op_type == "Tanh" else "Tanh", path)
    if last.outputs[0] != output_name:
        raise GanRuntimeError(f"{str(path)!r}: the {first.op_type} and {last.op_type} after the second linear layer "
                              f"give {last.outputs[0]!r}, not {output_name!r}; {NEEDS_FP32}")
    if (w1.ndim != 2 or w2.ndim != 2 or b1.shape != (w1.shape[0],) or w2.shape[1] != w1.shape[0]
            or b2.shape != (w2.shape[0],)):
        raise GanRuntimeError(f"{str(path)!r}: layer shapes {list(w1.shape)}, {list(b1.shape)}, {list(w2.shape)}, "
                              f"{list(b2.shape)} do not chain; {NEEDS_FP32}")
    alpha = float(leaky.attributes.get("alpha", 0.01))  # ONNX's default slope
    return MlpWeights(np.ascontiguousarray(w1), b1.copy(), np.ascontiguousarray(w2), b2.copy(), alpha)
