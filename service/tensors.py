"""Tensors of the Open Inference Protocol to numpy and back, checked against a model's signature.

A request body is a JSON object, optionally followed by raw tensor bytes (the binary tensor data
extension): `Inference-Header-Content-Length` says where the JSON ends, and each input with a
`binary_data_size` parameter takes that many bytes of the rest, in the order of the inputs.
Binary data is little-endian, row-major, without padding. Knows nothing of HTTP or onnxruntime.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from pydantic import ValidationError

from service.errors import InvalidTensor, describe, shown
from service.oip_schemas import InferenceRequest, RequestInput

DATATYPES: Mapping[str, np.dtype[Any]] = {
    "BOOL": np.dtype("?"),
    "UINT8": np.dtype("<u1"),
    "UINT16": np.dtype("<u2"),
    "UINT32": np.dtype("<u4"),
    "UINT64": np.dtype("<u8"),
    "INT8": np.dtype("<i1"),
    "INT16": np.dtype("<i2"),
    "INT32": np.dtype("<i4"),
    "INT64": np.dtype("<i8"),
    "FP16": np.dtype("<f2"),
    "FP32": np.dtype("<f4"),
    "FP64": np.dtype("<f8"),
}
"""The protocol's datatypes that numpy holds natively (BYTES and BF16 have no use here)."""


@dataclass(frozen=True)
class TensorSpec:
    """A model's input or output: name, protocol datatype and shape (-1: any size)."""

    name: str
    datatype: str
    shape: tuple[int, ...]


@dataclass(frozen=True)
class Selected:
    """An output to return, and whether as binary data."""

    name: str
    binary: bool


def split_body(body: bytes, header_length: int | None) -> tuple[bytes, bytes]:
    """The JSON part and the binary part of a request body."""
    if header_length is None:
        return body, b""
    if header_length > len(body):
        raise InvalidTensor(
            f"Inference-Header-Content-Length is {header_length}, "
            f"but the body has only {len(body)} bytes"
        )
    return body[:header_length], body[header_length:]


def parse_request(header: bytes) -> InferenceRequest:
    """Validate the JSON part of a request, naming each field that is wrong."""
    try:
        return InferenceRequest.model_validate_json(header)
    except ValidationError as e:
        problems = [describe(error) for error in e.errors(include_url=False)]
        raise InvalidTensor("; ".join(problems)) from None


def binary_chunks(inputs: Sequence[RequestInput], binary: bytes) -> dict[str, bytes]:
    """Cut the bytes after the JSON into each binary input's data, checking they add up."""
    chunks: dict[str, bytes] = {}
    offset = 0
    for tensor in inputs:
        size = tensor.parameters.get("binary_data_size")
        if size is None:
            continue
        if type(size) is not int or size < 0:
            raise InvalidTensor(
                f"input {shown(tensor.name)}: binary_data_size must be a byte count, "
                f"got {shown(size)}"
            )
        if tensor.data is not None:
            raise InvalidTensor(f"input {shown(tensor.name)} has both data and binary_data_size")
        if offset + size > len(binary):
            raise InvalidTensor(
                f"input {shown(tensor.name)} declares {size} bytes of binary data at offset "
                f"{offset}, "
                f"but only {len(binary)} bytes follow the JSON"
            )
        chunks[tensor.name] = binary[offset : offset + size]
        offset += size
    if offset != len(binary):
        raise InvalidTensor(
            f"{len(binary)} bytes follow the JSON, but the inputs' binary_data_size add up to "
            f"{offset}"
        )
    return chunks


def flatten(data: list[Any]) -> list[Any]:
    """The elements of a flat or nested list in row-major order (iterative: no recursion limit)."""
    flat: list[Any] = []
    stack = [iter(data)]
    while stack:
        for item in stack[-1]:
            if isinstance(item, list):
                stack.append(iter(item))
                break
            flat.append(item)
        else:
            stack.pop()
    return flat


def check_shape(tensor: RequestInput, spec: TensorSpec, model: str) -> tuple[int, ...]:
    """The request's shape, if it fits the model's: same rank, fixed axes equal, free axes >= 1."""
    shape = tuple(tensor.shape)
    fits = len(shape) == len(spec.shape) and all(
        (want == -1 and got >= 1) or got == want
        for got, want in zip(shape, spec.shape, strict=False)
    )
    if not fits:
        raise InvalidTensor(
            f"input {shown(tensor.name)} has shape {shown(list(shape))}; model {model!r} takes "
            f"{list(spec.shape)} (-1: any size from 1)"
        )
    return shape


def nests_as(data: list[Any], shape: Sequence[int]) -> bool:
    """Whether nested lists have exactly `shape` (one list per axis, scalars at the bottom)."""
    level: list[Any] = [data]
    for size in shape:
        if any(type(node) is not list or len(node) != size for node in level):
            return False
        level = [item for node in level for item in node]
    return not any(type(item) is list for item in level)


def _from_json(
    name: str, data: list[Any], dtype: np.dtype[Any], shape: tuple[int, ...]
) -> np.ndarray:
    count = math.prod(shape)
    if any(type(item) is list for item in data):  # nested: it must be nested as the shape says
        if not nests_as(data, shape):
            raise InvalidTensor(
                f"input {shown(name)}: its nested data is not shaped {list(shape)} (send the data "
                "flat in row-major order, or nested exactly as the shape)"
            )
        data = flatten(data)
    if len(data) != count:
        raise InvalidTensor(
            f"input {shown(name)} has {len(data)} elements; its shape needs {count}"
        )
    if dtype.kind == "b":
        wrong = [i for i, x in enumerate(data) if type(x) is not bool]
    elif dtype.kind in "iu":
        wrong = [i for i, x in enumerate(data) if type(x) is not int]
    else:
        wrong = [i for i, x in enumerate(data) if type(x) not in (int, float)]
    if wrong:  # NOTE: by index: a None in the data must not read as "nothing wrong"
        raise InvalidTensor(
            f"input {shown(name)} holds {shown(data[wrong[0]])}, which is not a {dtype.name} (flat "
            f"index {wrong[0]})"
        )
    try:
        # NOTE: numbers beyond a float type's range become inf here, which the caller refuses.
        with np.errstate(over="ignore"):
            return np.array(data, dtype=dtype)
    except OverflowError:
        raise InvalidTensor(
            f"input {shown(name)} holds a value outside the range of {dtype.name}"
        ) from None


def decode_input(
    tensor: RequestInput, spec: TensorSpec, raw: bytes | None, model: str
) -> np.ndarray:
    """One input tensor as an array of the model's datatype and the request's shape."""
    if tensor.datatype != spec.datatype:
        raise InvalidTensor(
            f"input {shown(tensor.name)} has datatype {shown(tensor.datatype)}; model {model!r} "
            f"takes {spec.datatype}"
        )
    shape = check_shape(tensor, spec, model)
    dtype, count = DATATYPES[spec.datatype], math.prod(shape)
    if raw is not None:
        if len(raw) != count * dtype.itemsize:
            raise InvalidTensor(
                f"input {shown(tensor.name)} has {len(raw)} bytes of binary data; shape "
                f"{list(shape)} "
                f"of {spec.datatype} needs {count * dtype.itemsize}"
            )
        array = np.frombuffer(raw, dtype=dtype)
    elif tensor.data is None:
        raise InvalidTensor(f"input {shown(tensor.name)} has neither data nor binary_data_size")
    else:
        array = _from_json(tensor.name, tensor.data, dtype, shape)
    # NOTE: after the cast, so that 1e300 sent for an FP32 input counts as the inf it becomes.
    bad = _first_non_finite(array)
    if bad is not None:
        raise InvalidTensor(
            f"input {shown(tensor.name)} holds {array.flat[bad]} at flat index {bad}; "
            "only finite numbers are accepted"
        )
    return array.reshape(shape)


def _first_non_finite(array: np.ndarray) -> int | None:
    """The flat index of the first inf or nan in a float array; None if it has none (or is not
    of floats)."""
    if array.dtype.kind != "f":
        return None
    bad = np.flatnonzero(~np.isfinite(array))
    return int(bad[0]) if bad.size else None


def select_outputs(request: InferenceRequest, outputs: Sequence[TensorSpec]) -> list[Selected]:
    """The outputs to return, in the order asked, each as JSON or binary data."""
    default = request.parameters.get("binary_data_output", False)
    if type(default) is not bool:
        raise InvalidTensor(
            f"parameter binary_data_output must be true or false, got {shown(default)}"
        )
    names = [spec.name for spec in outputs]
    if request.outputs is None:
        return [Selected(name, default) for name in names]
    selected: list[Selected] = []
    for output in request.outputs:
        if output.name not in names:
            raise InvalidTensor(f"output {shown(output.name)} is not one of the model's {names}")
        if any(s.name == output.name for s in selected):
            raise InvalidTensor(f"output {shown(output.name)} is asked for twice")
        if output.parameters.get("classification", 0):
            raise InvalidTensor("the classification extension is not supported")
        binary = output.parameters.get("binary_data", default)
        if type(binary) is not bool:
            raise InvalidTensor(
                f"output {shown(output.name)}: binary_data must be true or false, "
                f"got {shown(binary)}"
            )
        selected.append(Selected(output.name, binary))
    return selected


def datatype_of(dtype: np.dtype[Any]) -> str:
    """The protocol's name for a numpy dtype."""
    for name, candidate in DATATYPES.items():
        if candidate == dtype:
            return name
    raise ValueError(f"numpy dtype {dtype} has no datatype in the protocol")


def _not_json(outputs: Sequence[tuple[Selected, np.ndarray]]) -> InvalidTensor:
    """The refusal of a JSON output holding inf or nan, which JSON cannot carry: finite inputs far
    outside a model's range (z = 1e38) can overflow float32 inside it, the request's doing."""
    for selected, array in outputs:
        bad = None if selected.binary else _first_non_finite(array)
        if bad is not None:
            return InvalidTensor(
                f"output {selected.name!r} holds {array.flat[bad]} at flat index {bad}, "
                "which JSON cannot carry: the inputs overflow the model's float32 arithmetic; "
                "send values in the range it was trained on, or ask for the output as binary "
                'data ("binary_data": true), which carries it as it is'
            )
    raise AssertionError("no JSON output holds a non-finite number")


def encode_response(
    model: str,
    version: str,
    request_id: str | None,
    outputs: Sequence[tuple[Selected, np.ndarray]],
) -> tuple[bytes, int | None]:
    """The response body, and the length of its JSON part when binary outputs follow it."""
    tensors, chunks = [], []
    for selected, array in outputs:
        tensor: dict[str, Any] = {
            "name": selected.name,
            "datatype": datatype_of(array.dtype),
            "shape": list(array.shape),
        }
        if selected.binary:
            raw = np.ascontiguousarray(array, dtype=array.dtype.newbyteorder("<")).tobytes()
            tensor["parameters"] = {"binary_data_size": len(raw)}
            chunks.append(raw)
        else:
            tensor["data"] = array.ravel().tolist()
        tensors.append(tensor)
    body: dict[str, Any] = {"model_name": model, "model_version": version}
    if request_id is not None:
        body["id"] = request_id
    body["outputs"] = tensors
    try:
        header = json.dumps(body, allow_nan=False, separators=(",", ":")).encode()
    except ValueError:  # inf or nan in a JSON output: looked for only when there is one
        raise _not_json(outputs) from None
    if not chunks:
        return header, None
    return b"".join([header, *chunks]), len(header)
