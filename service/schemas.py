"""Response bodies, each with an example for the OpenAPI schema."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from service.manifest import OODSpec, ProtocolSpec

_PROBABILITIES = [0.0, 0.0, 0.001, 0.002, 0.0, 0.0, 0.0, 0.995, 0.0, 0.002]


def _example(example: dict[str, Any]) -> ConfigDict:
    return ConfigDict(json_schema_extra={"examples": [example]})


class OutOfDistribution(BaseModel):
    """How unlike the held-out training digits one image is, by the model's own likelihood."""

    model_config = _example({"score": 0.42, "percentile": 61.3, "flagged": False})

    score: float = Field(description="Higher is less like a digit (the manifest's ood.score).")
    percentile: float = Field(description="Percent of held-out training digits scoring lower.")
    flagged: bool = Field(
        description="Score above the threshold that flags the manifest's ood.false_alarm_rate "
        "of held-out digits: this does not look like a digit."
    )


class Prediction(BaseModel):
    """The classifier's reading q(y|z_c) of one image."""

    model_config = _example(
        {
            "label": 7,
            "class_name": "7",
            "probabilities": _PROBABILITIES,
            "ood": {"score": 0.42, "percentile": 61.3, "flagged": False},
        }
    )

    label: int = Field(description="Index of the most probable class in the manifest's classes.")
    class_name: str = Field(description="That class's name in the manifest.")
    probabilities: list[float] = Field(description="One probability per class, summing to 1.")
    ood: OutOfDistribution | None = Field(
        default=None, description="Out-of-distribution score; absent when the model has none."
    )


class Gaussian(BaseModel):
    """A diagonal Gaussian over part of the latent space."""

    model_config = _example({"loc": [0.12, -1.3], "scale": [0.08, 0.11]})

    loc: list[float]
    scale: list[float]


class Encoding(BaseModel):
    """The posterior q(z|x) split into label characteristics z_c and style z_s."""

    model_config = _example(
        {
            "z_c": {"loc": [0.12, -1.3], "scale": [0.08, 0.11]},
            "z_s": {"loc": [0.5, 0.02], "scale": [0.9, 0.7]},
            "prediction": {"label": 7, "class_name": "7", "probabilities": _PROBABILITIES},
        }
    )

    z_c: Gaussian
    z_s: Gaussian
    prediction: Prediction


class Image(BaseModel):
    """One decoded image and the latent code it was decoded from."""

    model_config = _example({"png": "iVBORw0KGgo...", "z_c": [0.12, -1.3], "z_s": [0.5, 0.02]})

    png: str = Field(description="The 8-bit grey PNG, base64-encoded.")
    z_c: list[float]
    z_s: list[float]


class Images(BaseModel):
    """Decoded images in order (samples, or interpolation frames), with the seed used."""

    model_config = _example(
        {"images": [{"png": "iVBORw0KGgo...", "z_c": [0.12, -1.3], "z_s": [0.5, 0.02]}], "seed": 42}
    )

    images: list[Image]
    seed: int | None = Field(default=None, description="Seed that reproduces these images.")


class ImageInfo(BaseModel):
    """The images the model reads and draws."""

    shape: list[int] = Field(description="[channels, height, width]; one grey channel.")
    range: list[float] = Field(description="Pixel values from, to.")
    foreground: str = Field(description="The digits' polarity, as MNIST's: white-on-black.")


class LatentInfo(BaseModel):
    """Sizes of the two parts of z = [z_c, z_s]."""

    c: int = Field(description="Size of z_c, the label characteristics.")
    s: int = Field(description="Size of z_s, the style.")


class ModelInfo(BaseModel):
    """What the service serves: the manifest's facts and the execution provider in use."""

    model_config = _example(
        {
            "name": "ccvae-mnist",
            "version": "1",
            "classes": [str(d) for d in range(10)],
            "image": {"shape": [1, 28, 28], "range": [0.0, 1.0], "foreground": "white-on-black"},
            "latent": {"c": 16, "s": 16},
            "metrics": {"test_accuracy": 0.97},
            "versions": {"torch": "2.4", "onnx": "1.16"},
            "training": {},
            "provider": "CPUExecutionProvider",
            "device": "cpu",
            "batching": True,
        }
    )

    name: str
    version: str
    classes: list[str]
    image: ImageInfo
    latent: LatentInfo
    metrics: dict[str, Any] = Field(description="Test-set measures written at export.")
    versions: dict[str, Any] = Field(description="Library versions the model was exported with.")
    training: dict[str, Any] = Field(description="The training run's settings.")
    protocol: ProtocolSpec | None = Field(
        default=None,
        description="How the model got its labels and was chosen (absent from models exported "
        "before manifests stated it).",
    )
    provider: str = Field(description="The onnxruntime execution provider the sessions run on.")
    device: str = Field(description="The device setting the provider was chosen from.")
    batching: bool
    ood: OODSpec | None = Field(
        default=None, description="The out-of-distribution score's calibration, if any."
    )
    card: str | None = Field(default=None, description="Path of the model card, if any.")


class Health(BaseModel):
    """Liveness or readiness."""

    model_config = _example({"status": "ready"})

    status: str


class ErrorDetail(BaseModel):
    type: str
    message: str
    request_id: str | None = Field(
        default=None, description="The request's ID (its X-Request-ID), as in the log lines."
    )


class Error(BaseModel):
    """Every error response of the service."""

    model_config = _example(
        {
            "error": {
                "type": "invalid_parameter",
                "message": "label '12' is not one of the classes ['0', ..., '9']",
                "request_id": "4bf92f3577b34da6a3ce929d0e0e4736",
            }
        }
    )

    error: ErrorDetail


RETRY_AFTER = {
    "Retry-After": {
        "description": "Seconds to wait before trying again, when the service knows.",
        "schema": {"type": "integer", "minimum": 0},
    }
}
UNAVAILABLE: dict[str, Any] = {
    "model": Error,
    "description": "The model is not loaded yet (or is shutting down), or the service sheds the "
    "request to stay within its capacity: retry later.",
    "headers": RETRY_AFTER,
}
"""503, which any request may get: every operation documents it."""

REFUSED: dict[str, Any] = {
    "model": Error,
    "description": "A request refused before any route reads it, whatever its method: a body "
    "over the size limit (413), a compressed one (415), or two Content-Type or Content-Length "
    "lines that disagree (400).",
}
"""4XX, which an operation that reads no body documents (model endpoints list each status)."""

ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"model": Error, "description": "Not a decodable image, or a malformed body."},
    408: {
        "model": Error,
        "description": "The body was still arriving at the request's deadline; the connection "
        "closes.",
    },
    413: {"model": Error, "description": "Too many bytes, pixels or files."},
    415: {"model": Error, "description": "Wrong content type, or a compressed body."},
    422: {
        "model": Error,
        "description": "A parameter out of range or of the wrong type, one the operation does "
        "not take, or one given more than once.",
    },
    503: UNAVAILABLE,
}
"""The error responses every model endpoint documents."""
