"""The exported graphs as models of the Open Inference Protocol: their signatures and raw runs.

Each graph the manifest lists is one model, named by its role. Its version is a number, as in a
Triton model repository: the folder of `<graph>/<n>/model.onnx` when the model directory is laid
out as one (training/repository.py), else 1; the manifest's semantic version is model metadata
(`/model`, and the `semantic_version` parameter of Triton's config.pbtxt).
Tensor names, datatypes and shapes are read from the onnxruntime sessions, never written here;
axes the exporter left symbolic are sized by one run on a batch of one, except those that follow
an input's free axis (the batch), which stay -1. A request is checked whole before any graph
runs: its tensors against the signature, its rows and its answer's size against the settings'
bounds. Knows nothing of HTTP.
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Any

import numpy as np
import onnxruntime as ort  # type: ignore[import-untyped]

from service import oip_schemas as oip
from service.admission import expired
from service.errors import InvalidTensor, ModelError, ModelNotFound, shown
from service.manifest import SIGNATURES, Manifest
from service.oip_schemas import InferenceRequest
from service.runtime import Runtime
from service.settings import Settings
from service.tensors import (
    DATATYPES,
    Selected,
    TensorSpec,
    binary_chunks,
    decode_input,
    encode_response,
    parse_request,
    select_outputs,
    split_body,
)

ONNX_TYPES: Mapping[str, str] = {
    "tensor(bool)": "BOOL",
    "tensor(uint8)": "UINT8",
    "tensor(uint16)": "UINT16",
    "tensor(uint32)": "UINT32",
    "tensor(uint64)": "UINT64",
    "tensor(int8)": "INT8",
    "tensor(int16)": "INT16",
    "tensor(int32)": "INT32",
    "tensor(int64)": "INT64",
    "tensor(float16)": "FP16",
    "tensor(float)": "FP32",
    "tensor(double)": "FP64",
}
"""onnxruntime's type names -> the protocol's datatypes."""

PLATFORM = "onnxruntime_onnx"
"""What Triton reports for an ONNX model run by its onnxruntime backend."""
SHRINK_ROWS = 64
"""A run of more rows than this (the micro-batchers' largest) gives back, when it ends, what it
grew onnxruntime's memory arena by; the arena would otherwise keep its peak for good."""


def repository_version(path: str) -> str:
    """A graph's version number: `n` for a file at `<graph>/<n>/model.onnx`, else 1."""
    folder = PurePosixPath(path).parent.name
    return folder if folder.isdigit() else "1"


def check_rows(request: InferenceRequest, limit: int) -> None:
    """Refuse, from the declared shapes alone, a request whose batch exceeds `limit` rows."""
    for tensor in request.inputs:
        if tensor.shape and tensor.shape[0] > limit:
            raise InvalidTensor(
                f"input {shown(tensor.name)} has {tensor.shape[0]} rows; the limit is {limit} a "
                "request (CCVAE_MAX_INFER_ROWS)"
            )


JSON_NUMBER_BYTES = 25
"""The most a number takes in a JSON response (`-1.2345678901234567e-300,`)."""


def check_response_size(
    outputs: Sequence[TensorSpec], selected: Sequence[Selected], rows: int, limit: int
) -> None:
    """Refuse, before the model runs, outputs whose answer could exceed `limit` bytes.

    size = sum over the selected outputs of rows x prod(other axes) x (item size when binary,
    JSON_NUMBER_BYTES when JSON).
    """
    specs = {spec.name: spec for spec in outputs}
    total = 0
    for output in selected:
        spec = specs[output.name]
        count = math.prod(rows if size == -1 else size for size in spec.shape)
        total += count * (DATATYPES[spec.datatype].itemsize if output.binary else JSON_NUMBER_BYTES)
    if total > limit:
        raise InvalidTensor(
            f"the response for {rows} rows would take up to {total} bytes; the limit is {limit} "
            "(CCVAE_MAX_RESPONSE_BYTES): send fewer rows, or ask for binary_data outputs"
        )


@dataclass(frozen=True)
class Call:
    """A request checked against a graph: what to feed it, and what to answer with."""

    feed: dict[str, np.ndarray]
    selected: list[Selected]
    id: str | None
    parameters: oip.Parameters


@dataclass(frozen=True)
class Graph:
    """One ONNX graph with its signature, run on raw tensors."""

    name: str
    version: str
    session: ort.InferenceSession
    inputs: tuple[TensorSpec, ...]
    outputs: tuple[TensorSpec, ...]
    index_limits: Mapping[str, int]
    """Inputs whose values index something of this size (the prior's label indexes the classes)."""

    def metadata(self) -> oip.ModelMetadata:
        """Name, version, platform, and inputs and outputs (-1: an axis of any size)."""

        def tensors(specs: tuple[TensorSpec, ...]) -> list[oip.TensorMetadata]:
            return [
                oip.TensorMetadata(name=s.name, datatype=s.datatype, shape=list(s.shape))
                for s in specs
            ]

        return oip.ModelMetadata(
            name=self.name,
            versions=[self.version],
            platform=PLATFORM,
            inputs=tensors(self.inputs),
            outputs=tensors(self.outputs),
        )

    def call(self, body: bytes, header_length: int | None, settings: Settings) -> Call:
        """A request body (JSON, then any binary tensor data) read and checked whole: its rows
        and the size of its answer within the settings' bounds, its tensors this graph's."""
        header, binary = split_body(body, header_length)
        request = parse_request(header)
        check_rows(request, settings.max_infer_rows)
        feed = self.feed(request, binary)
        selected = select_outputs(request, self.outputs)
        rows = max(len(array) for array in feed.values())
        check_response_size(self.outputs, selected, rows, settings.max_response_bytes)
        return Call(feed, selected, request.id, request.parameters)

    def answer(self, call: Call, arrays: Sequence[np.ndarray]) -> tuple[bytes, int | None]:
        """The response body, and the length of its JSON part when binary outputs follow it."""
        outputs = list(zip(call.selected, arrays, strict=True))
        return encode_response(self.name, self.version, call.id, outputs)

    def feed(self, request: InferenceRequest, binary: bytes) -> dict[str, np.ndarray]:
        """The request's inputs as arrays, checked against this graph's signature."""
        names = [spec.name for spec in self.inputs]
        given = [tensor.name for tensor in request.inputs]
        if sorted(given) != sorted(names):
            raise InvalidTensor(
                f"model {self.name!r} takes inputs {names}; the request gives {shown(given)}"
            )
        chunks = binary_chunks(request.inputs, binary)
        specs = {spec.name: spec for spec in self.inputs}
        feed = {
            t.name: decode_input(t, specs[t.name], chunks.get(t.name), self.name)
            for t in request.inputs
        }
        for name, limit in self.index_limits.items():
            outside = feed[name][(feed[name] < 0) | (feed[name] >= limit)]
            if outside.size:
                raise InvalidTensor(
                    f"input {name!r} holds {outside[0]}; model {self.name!r} takes values from 0 "
                    f"to {limit - 1}"
                )
        batches = {len(array) for array in feed.values()}
        if len(batches) > 1:
            raise InvalidTensor(f"the inputs have different batch sizes {sorted(batches)}")
        return feed

    async def infer(
        self, feed: Mapping[str, np.ndarray], outputs: Sequence[str], deadline: float | None = None
    ) -> list[Any]:
        """Run the graph off the event loop, returning the named outputs in order; refused with
        Overloaded instead if `deadline` (time.monotonic()) passes before the run starts."""

        def on_time() -> list[Any]:
            late = expired(deadline)
            if late is not None:
                raise late
            options = None
            if max(len(array) for array in feed.values()) > SHRINK_ROWS:
                options = ort.RunOptions()
                options.add_run_config_entry("memory.enable_memory_arena_shrinkage", "cpu:0")
            result: list[Any] = self.session.run(list(outputs), dict(feed), options)
            return result

        return await asyncio.to_thread(on_time)


def _spec(arg: Any, sizes: Sequence[int] | None, free: set[Any]) -> TensorSpec:
    datatype = ONNX_TYPES.get(arg.type)
    if datatype is None or datatype not in DATATYPES:
        raise ModelError(f"{arg.name} has type {arg.type}, which the inference protocol lacks")
    shape = []
    for axis, dim in enumerate(arg.shape):
        if isinstance(dim, int) and dim >= 0:
            shape.append(dim)
        elif dim in free or sizes is None or (dim is None and axis == 0):
            shape.append(-1)
        else:
            shape.append(int(sizes[axis]))
    return TensorSpec(arg.name, datatype, tuple(shape))


def load_graph(
    name: str, version: str, session: ort.InferenceSession, limits: dict[str, int]
) -> Graph:
    """Read a session's signature, sizing symbolic output axes by one run on a batch of one."""
    inputs = tuple(_spec(arg, None, set()) for arg in session.get_inputs())
    free = {dim for arg in session.get_inputs() for dim in arg.shape if not isinstance(dim, int)}
    probe = {
        spec.name: np.zeros([1 if d == -1 else d for d in spec.shape], DATATYPES[spec.datatype])
        for spec in inputs
    }
    results = session.run(None, probe)
    outputs = tuple(
        _spec(arg, result.shape, free)
        for arg, result in zip(session.get_outputs(), results, strict=True)
    )
    return Graph(name, version, session, inputs, outputs, limits)


class Graphs:
    """Every graph of the manifest, by name; built once per loaded runtime."""

    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime
        manifest: Manifest = runtime.manifest
        # NOTE: the graphs that take a label (prior, density) gather a row per label; out of
        # range, onnxruntime would fail the run.
        limits = {
            role: {"label": len(manifest.classes)}
            for role in manifest.roles
            if SIGNATURES[role][0] == ("label",)
        }
        self.graphs = {
            name: load_graph(
                name,
                repository_version(manifest.files[name].path),
                runtime.sessions[name],
                limits.get(name, {}),
            )
            for name in manifest.roles
        }

    def get(self, name: str, version: str | None = None) -> Graph:
        """The graph of that name (and version, when given), or 404."""
        graph = self.graphs.get(name)
        if graph is None:
            raise ModelNotFound(f"model {shown(name)} is not served; models: {list(self.graphs)}")
        if version is not None and version != graph.version:
            raise ModelNotFound(
                f"model {name!r} has no version {shown(version)}; versions: [{graph.version!r}]"
            )
        return graph
