"""Bodies of the Open Inference Protocol (KServe v2 REST), as its specification names them.

Shapes and datatypes follow the protocol, not the service's own schemas: tensors are
`{name, shape, datatype, data}` with data flat or nested in row-major order, and every error is
`{"error": message}`.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field

Parameters = dict[str, Any]


def _example(example: dict[str, Any]) -> ConfigDict:
    return ConfigDict(json_schema_extra={"examples": [example]})


class ServerMetadata(BaseModel):
    """What the server is and which protocol extensions it speaks."""

    model_config = _example(
        {"name": "CCVAE MNIST", "version": "1", "extensions": ["binary_tensor_data"]}
    )

    name: str
    version: str
    extensions: list[str]


class ServerLive(BaseModel):
    live: bool


class ServerReady(BaseModel):
    ready: bool


class ModelReady(BaseModel):
    name: str
    ready: bool


class TensorMetadata(BaseModel):
    """One input or output of a model; -1 marks an axis of any size (the batch)."""

    name: str
    datatype: str
    shape: list[int]


class ModelMetadata(BaseModel):
    """One of the exported graphs, as a model of the protocol."""

    model_config = _example(
        {
            "name": "classifier",
            "versions": ["1"],
            "platform": "onnxruntime_onnx",
            "inputs": [{"name": "z_c", "datatype": "FP32", "shape": [-1, 16]}],
            "outputs": [{"name": "logits", "datatype": "FP32", "shape": [-1, 10]}],
        }
    )

    name: str
    versions: list[str]
    platform: str
    inputs: list[TensorMetadata]
    outputs: list[TensorMetadata]


# NOTE: strict, so that a shape of "3", 3.0 or true is refused rather than read as 3 (or 1).
class RequestInput(BaseModel):
    """An input tensor: its data in JSON, or `parameters.binary_data_size` bytes after the JSON."""

    model_config = ConfigDict(strict=True)

    name: str
    shape: list[Annotated[int, Field(ge=0)]]
    datatype: str
    parameters: Parameters = Field(default_factory=dict)
    data: list[Any] | None = None


class RequestOutput(BaseModel):
    """An output to return; `parameters.binary_data` asks for it as binary data."""

    model_config = ConfigDict(strict=True)

    name: str
    parameters: Parameters = Field(default_factory=dict)


class InferenceRequest(BaseModel):
    """The JSON part of an inference request; without `outputs`, every output is returned."""

    model_config = ConfigDict(
        strict=True,
        json_schema_extra={
            "examples": [
                {
                    "id": "42",
                    "inputs": [
                        {"name": "label", "shape": [2], "datatype": "INT64", "data": [7, 3]}
                    ],
                    "outputs": [{"name": "loc"}],
                }
            ]
        },
    )

    id: str | None = None
    parameters: Parameters = Field(default_factory=dict)
    inputs: list[RequestInput] = Field(min_length=1)
    outputs: list[RequestOutput] | None = None


class ResponseOutput(BaseModel):
    """An output tensor; with `parameters.binary_data_size` its data follows the JSON instead."""

    name: str
    shape: list[int]
    datatype: str
    parameters: Parameters | None = None
    data: list[Any] | None = None


class InferenceResponse(BaseModel):
    """The JSON part of an inference response."""

    model_config = _example(
        {
            "model_name": "prior",
            "model_version": "1.0.0",
            "id": "42",
            "outputs": [{"name": "loc", "shape": [2, 2], "datatype": "FP32", "data": [1, 2, 3, 4]}],
        }
    )

    model_name: str
    model_version: str
    id: str | None = None
    outputs: list[ResponseOutput]


class ProtocolError(BaseModel):
    """Every error of the protocol's endpoints."""

    model_config = _example({"error": "model 'decoderr' is not served; models: ['encoder', ...]"})

    error: str
