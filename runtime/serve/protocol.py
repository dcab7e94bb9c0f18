"""The Open Inference Protocol (KServe v2, what Triton, KServe and MLServer speak): requests in, responses out.

Pure functions from bytes to arrays and back, no HTTP: a request body is JSON
(tensors as flat ``data`` lists) or, with the binary tensor extension that
``tritonclient`` uses (``binary_data=True``), a JSON header of
``Inference-Header-Content-Length`` bytes followed by the raw tensors in the
order the header lists them. Every malformed request is a
:class:`ProtocolError`, which the server answers with HTTP 400 and the v2
error body ``{"error": "..."}``.

Datatypes are v2's names (``FP32``, ``UINT8``, ...); shapes use ``-1`` for a
free batch dimension.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from typing import Any, Mapping, Sequence

import numpy as np
import orjson

from ..base.errors import GanRuntimeError

HEADER_LENGTH = "inference-header-content-length"  # request and response header of the binary extension
DATATYPES = {"FP32": np.float32, "FP64": np.float64, "UINT8": np.uint8, "INT32": np.int32, "INT64": np.int64,
             "FP16": np.float16, "INT8": np.int8, "UINT16": np.uint16, "INT16": np.int16, "BOOL": np.bool_}
NUMPY_DATATYPES = {np.dtype(dtype): name for name, dtype in DATATYPES.items()}


class ProtocolError(GanRuntimeError):
    """A request the server cannot serve; answered with HTTP ``status`` and ``{"error": message}``."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class TensorSpec:
    """One input or output of a served model, as ``GET /v2/models/<name>`` lists it."""

    name: str
    datatype: str
    shape: tuple[int, ...]  # -1 for the batch

    def as_dict(self) -> dict[str, Any]:
        return {"name": self.name, "datatype": self.datatype, "shape": list(self.shape)}


@dataclass(frozen=True)
class InferRequest:
    """A decoded request: input arrays by name, the outputs asked for (and whether binary), its parameters."""

    inputs: dict[str, np.ndarray]
    outputs: dict[str, bool | None]  # name -> binary_data (None: as binary_data_output says); empty: every output
    parameters: dict[str, Any] = field(default_factory=dict)
    id: str | None = None


def _json_object(data: bytes, what: str) -> dict[str, Any]:
    try:
        value = json.loads(data.decode("utf-8"), parse_constant=lambda name: float("nan"))
    except (UnicodeDecodeError, ValueError) as error:
        raise ProtocolError(f"the {what} is not JSON: {error}") from None
    except RecursionError:
        raise ProtocolError(f"the {what} nests too deeply to be a v2 request") from None
    if not isinstance(value, dict):
        raise ProtocolError(f"the {what} must be a JSON object")
    return value


def _shape(entry: Mapping[str, Any], name: str, max_elements: int) -> tuple[int, ...]:
    shape = entry.get("shape")
    if not isinstance(shape, list) or not shape or not all(isinstance(d, int) and not isinstance(d, bool) and d >= 0
                                                           for d in shape):
        raise ProtocolError(f"input {name!r}: 'shape' must be a list of whole numbers >= 0, got {shape!r}")
    if math.prod(shape) > max_elements:
        raise ProtocolError(f"input {name!r}: {math.prod(shape):,} elements is more than this server takes "
                            f"({max_elements:,})", status=413)
    return tuple(shape)


def decode_request(body: bytes, header_length: int | None, inputs: Sequence[TensorSpec],
                   max_elements: int) -> InferRequest:
    """Decode a v2 infer request (JSON, or JSON header + binary tensors when ``header_length`` is given).

    Checks every input's name, datatype, shape and size against ``inputs``
    (the model's specs) and that the data fills the shape exactly.

    Examples
    --------
    >>> spec = [TensorSpec("z", "FP32", (-1, 2))]
    >>> body = json.dumps({"inputs": [{"name": "z", "datatype": "FP32", "shape": [1, 2], "data": [0.5, 1.0]}]})
    >>> decode_request(body.encode(), None, spec, 100).inputs["z"].tolist()
    [[0.5, 1.0]]
    """
    if header_length is not None and not 0 <= header_length <= len(body):
        raise ProtocolError(f"Inference-Header-Content-Length {header_length} does not fit a body of {len(body)} bytes")
    header = _json_object(body if header_length is None else body[:header_length], "request")
    blobs = memoryview(body)[header_length:] if header_length is not None else memoryview(b"")
    entries = header.get("inputs", [])
    if not isinstance(entries, list):
        raise ProtocolError("'inputs' must be a list")
    known = {spec.name: spec for spec in inputs}
    decoded: dict[str, np.ndarray] = {}
    offset = 0
    for entry in entries:
        if not isinstance(entry, dict) or not isinstance(entry.get("name"), str) or entry["name"] not in known:
            raise ProtocolError(f"unknown input {entry.get('name') if isinstance(entry, dict) else entry!r}; "
                                f"this model takes {sorted(known)}")
        spec = known[entry["name"]]
        if entry.get("datatype") != spec.datatype:
            raise ProtocolError(f"input {spec.name!r} must be {spec.datatype}, got {entry.get('datatype')!r}")
        shape = _shape(entry, spec.name, max_elements)
        if len(shape) != len(spec.shape) or any(w != -1 and d != w for d, w in zip(shape, spec.shape)):
            raise ProtocolError(f"input {spec.name!r} must have shape {list(spec.shape)} (-1: any), got {list(shape)}")
        dtype = np.dtype(DATATYPES[spec.datatype]).newbyteorder("<")
        size = _parameters(entry, f"input {spec.name!r}").get("binary_data_size")
        if size is not None:
            if not isinstance(size, int) or size != math.prod(shape) * dtype.itemsize or offset + size > len(blobs):
                raise ProtocolError(f"input {spec.name!r}: binary_data_size {size!r} does not match its shape "
                                    "and the bytes sent")
            array = np.frombuffer(blobs[offset:offset + size], dtype=dtype).reshape(shape)
            offset += size
        else:
            array = _from_json_data(entry.get("data"), spec.name, shape, dtype)
        decoded[spec.name] = array
    if offset != len(blobs):
        raise ProtocolError(f"{len(blobs) - offset} bytes after the binary tensors belong to no input")
    return InferRequest(decoded, _requested_outputs(header.get("outputs", [])), _parameters(header, "the request"),
                        str(header["id"]) if "id" in header else None)


def _from_json_data(data: Any, name: str, shape: tuple[int, ...], dtype: np.dtype) -> np.ndarray:
    if not isinstance(data, list):
        raise ProtocolError(f"input {name!r}: 'data' must be a list (or send it binary, with binary_data_size)")
    try:
        array = np.asarray(data, dtype=np.float64 if dtype.kind == "f" else dtype)
    except (TypeError, ValueError, OverflowError):
        raise ProtocolError(f"input {name!r}: 'data' holds something that is not a {dtype.name} number") from None
    if array.size != math.prod(shape):
        raise ProtocolError(f"input {name!r}: {array.size} values do not fill shape {list(shape)}")
    return array.reshape(shape).astype(dtype)


def _requested_outputs(entries: Any) -> dict[str, bool | None]:
    """Output name -> its ``binary_data`` parameter, ``None`` where the request's ``binary_data_output`` decides."""
    if not isinstance(entries, list) or not all(isinstance(e, dict) and isinstance(e.get("name"), str) for e in entries):
        raise ProtocolError("'outputs' must be a list of {\"name\": ...} objects")
    requested = {}
    for entry in entries:
        binary = _parameters(entry, f"output {entry['name']!r}").get("binary_data")
        requested[entry["name"]] = None if binary is None else bool(binary)
    return requested


def _parameters(entry: Mapping[str, Any], what: str) -> dict[str, Any]:
    parameters = entry.get("parameters")
    if parameters is None:
        return {}
    if not isinstance(parameters, dict):
        raise ProtocolError(f"the 'parameters' of {what} must be a JSON object")
    return dict(parameters)


def encode_response(model_name: str, outputs: Mapping[str, np.ndarray], binary: Mapping[str, bool],
                    request_id: str | None = None) -> tuple[bytes, int | None]:
    """The response body and, when any output is binary, the JSON header's length (``None``: plain JSON).

    Examples
    --------
    >>> body, header = encode_response("g", {"y": np.array([[1, 2]], np.uint8)}, {"y": False})
    >>> json.loads(body)["outputs"][0]["data"], header
    ([1, 2], None)
    """
    entries, blobs = [], []
    for name, array in outputs.items():
        entry: dict[str, Any] = {"name": name, "datatype": NUMPY_DATATYPES[array.dtype], "shape": list(array.shape)}
        if binary.get(name, False):
            raw = np.ascontiguousarray(array).astype(array.dtype.newbyteorder("<"), copy=False).tobytes()
            entry["parameters"] = {"binary_data_size": len(raw)}
            blobs.append(raw)
        else:  # orjson writes the array itself, float32 in its shortest exact form: 28x faster than json + tolist
            entry["data"] = np.ascontiguousarray(array).reshape(-1)
        entries.append(entry)
    document: dict[str, Any] = {"model_name": model_name, "model_version": "1", "outputs": entries}
    if request_id is not None:
        document["id"] = request_id
    header = orjson.dumps(document, option=orjson.OPT_SERIALIZE_NUMPY)
    return (header + b"".join(blobs), len(header)) if blobs else (header, None)
