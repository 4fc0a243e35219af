"""What the routes share: dependencies, query parameters, range checks and image responses."""

from __future__ import annotations

import base64
from collections.abc import Callable
from enum import Enum
from typing import Annotated, Any

import numpy as np
from fastapi import Depends, Query, Request
from starlette.responses import Response

from service import imaging, schemas, tracing
from service.dataplane import DataPlane, Decoded
from service.errors import InvalidParameter, NotReady, UnsupportedMediaType, shown
from service.settings import Settings


class Format(str, Enum):
    """How drawn images come back: one PNG (a grid or a strip), or JSON with each image and z."""

    png = "png"
    json = "json"


# NOTE: the dependencies below are `async def` although they never await: FastAPI runs a plain
# `def` dependency in its thread pool, and three thread hops per request cost more than the rest
# of the request's HTTP handling.


async def get_plane(request: Request) -> DataPlane:
    """The data plane that the lifespan put on app.state, or 503 while there is none."""
    plane: DataPlane | None = getattr(request.app.state, "plane", None)
    if plane is None:
        raise NotReady("the model is not loaded yet (or is shutting down)")
    return plane


async def get_settings(request: Request) -> Settings:
    """The settings the app was created with."""
    settings: Settings = request.app.state.settings
    return settings


async def refuse_body(request: Request) -> None:
    """Refuse a request body: the parameters go in the query string, the one way to pass them."""
    content_type = request.headers.get("content-type")
    if content_type is not None:
        raise UnsupportedMediaType(
            f"{request.url.path} takes its parameters in the query string, not a body "
            f"(got content type {shown(content_type, 80)})"
        )


PlaneDep = Annotated[DataPlane, Depends(get_plane)]
SettingsDep = Annotated[Settings, Depends(get_settings)]
InvertQuery = Annotated[
    imaging.Invert,
    Query(description="Invert dark-on-light drawings: auto reads the background off the border."),
]
FitQuery = Annotated[
    bool,
    Query(
        description="Crop, scale and centre the digit the MNIST way; false: the image is "
        "already normalised and has the model's size."
    ),
]
FormatQuery = Annotated[
    Format,
    Query(alias="format", description="png: one image (grid or strip); json: base64 PNGs and z."),
]
SeedQuery = Annotated[
    int | None,
    Query(
        ge=0,
        lt=2**63,
        description="Same seed, same bytes; drawn at random when absent.",
        examples=[42],
    ),
]
LabelQuery = Annotated[
    str,
    Query(
        description="Index of the class in the manifest's classes (/model); its name works too.",
        examples=[7],
        json_schema_extra={"type": "integer", "minimum": 0},  # the maximum: service.openapi
    ),
]
TemperatureQuery = Annotated[
    float, Query(ge=0.0, le=10.0, description="Scales the prior's spread (0: prior means).")
]


def resolve_label(name: str, value: str, classes: tuple[str, ...]) -> int:
    """A class given by its name in the manifest, or else by its index."""
    if value in classes:
        return classes.index(value)
    index = value.strip()
    # NOTE: ASCII digits only, and few of them: int() raises on strings of over 4300 digits.
    if index.isascii() and index.isdigit() and len(index) <= 9 and int(index) < len(classes):
        return int(index)
    listed = list(classes) if len(classes) <= 20 else [*classes[:20], "..."]
    raise InvalidParameter(f"{name} {shown(value)} is not one of the model's classes {listed}")


def check_range(name: str, value: int, low: int, high: int, setting: str) -> int:
    """An integer parameter within [low, high], naming the setting that bounds it."""
    if not low <= value <= high:
        raise InvalidParameter(
            f"{name}={value} is out of range: {low} to {high} (the limit is CCVAE_{setting})"
        )
    return value


def image_response(
    decoded: Decoded,
    fmt: Format,
    layout: Callable[[np.ndarray], np.ndarray],
    dc: int,
    seed: int | None = None,
) -> Response:
    """A PNG of the images laid out by `layout`, or JSON with every image and its z."""
    with tracing.span("encode"):
        headers = {"X-Seed": str(seed)} if seed is not None else None
        if fmt == Format.png:
            png = imaging.to_png(layout(decoded.images))
            return Response(png, media_type="image/png", headers=headers)
        images = [
            schemas.Image(
                png=base64.b64encode(imaging.to_png(image)).decode("ascii"),
                z_c=z[:dc].tolist(),
                z_s=z[dc:].tolist(),
            )
            for image, z in zip(decoded.images, decoded.z, strict=True)
        ]
        body = schemas.Images(images=images, seed=seed).model_dump_json()
        return Response(body, media_type="application/json", headers=headers)


def image_route(*, seeded: bool) -> dict[str, Any]:
    """The route arguments of an endpoint that draws images: PNG by default (listed first, so
    that client generators read the body as bytes), JSON with `format=json`; `X-Seed` when
    seeded. A plain Response class keeps FastAPI from listing JSON first."""
    ok: dict[str, Any] = {
        "description": "A PNG (format=png, the default), or JSON: base64 PNGs and latent codes.",
        "model": schemas.Images,
        "content": {"image/png": {"schema": {"type": "string", "format": "binary"}}},
    }
    ok["content"]["application/json"] = {}  # FastAPI writes the Images schema here, after PNG
    if seeded:
        ok["headers"] = {
            "X-Seed": {
                "description": "The seed of the draw: the same seed gives the same bytes.",
                "required": True,
                "schema": {"type": "integer", "minimum": 0},
            }
        }
    return {
        "response_model": None,
        "response_class": Response,
        "responses": {200: ok, **schemas.ERRORS},
    }
