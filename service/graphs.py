"""The exported graphs as models of the Open Inference Protocol: their signatures and raw runs.

Each graph the manifest lists is one model, named by its role. Its version is a number, as in a
Triton model repository: the folder of `<graph>/<n>/model.onnx` when the model directory is laid
out as one (training/repository.py), else 1; the manifest's semantic version is model metadata
(`/model`, and the `semantic_version` parameter of Triton's config.pbtxt).
Tensor names, datatypes and shapes are read from the onnxruntime sessions, never written here;
axes the exporter left symbolic are sized by one run on a batch of one, except those that follow
an input's free axis (the batch), which stay -1. Knows nothing of HTTP.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Any

import numpy as np
import onnxruntime as ort  # type: ignore[import-untyped]

from service.admission import expired
from service.errors import ServiceError
from service.manifest import SIGNATURES, Manifest, ModelError
from service.oip_schemas import InferenceRequest
from service.runtime import Runtime
from service.tensors import DATATYPES, InvalidTensor, TensorSpec, binary_chunks, decode_input

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


class ModelNotFound(ServiceError):
    """No model of that name (or version) is served."""

    status_code = 404
    type = "model_not_found"


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

    def feed(self, request: InferenceRequest, binary: bytes) -> dict[str, np.ndarray]:
        """The request's inputs as arrays, checked against this graph's signature."""
        names = [spec.name for spec in self.inputs]
        given = [tensor.name for tensor in request.inputs]
        if sorted(given) != sorted(names):
            raise InvalidTensor(
                f"model {self.name!r} takes inputs {names}; the request gives {given}"
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
            raise ModelNotFound(f"model {name!r:.60} is not served; models: {list(self.graphs)}")
        if version is not None and version != graph.version:
            raise ModelNotFound(
                f"model {name!r} has no version {version!r:.60}; versions: [{graph.version!r}]"
            )
        return graph
