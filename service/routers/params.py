"""What the routes share: dependencies, query parameters, range checks and image responses."""

from __future__ import annotations

import base64
from collections.abc import Callable, Iterator
from enum import Enum
from typing import Annotated, Any
from urllib.parse import quote_from_bytes

import numpy as np
from fastapi import Depends, Query, Request
from fastapi.dependencies.models import Dependant
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from starlette.responses import Response

from service import imaging, schemas, tracing
from service.dataplane import DataPlane, Decoded
from service.errors import InvalidParameter, NotReady, UnsupportedMediaType, named, shown
from service.settings import Settings

ASCII = "".join(map(chr, range(128)))
"""What a query string keeps as it is when its other bytes are percent-encoded."""


class Format(str, Enum):
    """How drawn images come back: one PNG (a grid or a strip), or JSON with each image and z."""

    png = "png"
    json = "json"


class DeclaredQuery(APIRoute):
    """A route of the REST API that takes each query parameter it declares at most once, and no
    other: FastAPI would ignore a misspelt one (`?temprature=2`) and settle a repeated one
    (`?label=1&label=7`) by the last, so that the answer would not be what was asked for. Either
    is a 422 naming the parameter, as a value out of range is.

    (The /v2 inference protocol, the operations and the page keep FastAPI's leniency: clients and
    scrapers of those may add parameters of their own.)
    """

    query_names: tuple[str, ...] = ()

    def get_route_handler(self) -> Callable[[Request], Any]:
        """FastAPI's handler, behind the check (APIRoute's __init__ calls this once)."""
        handler = super().get_route_handler()
        self.query_names = tuple(dict.fromkeys(_query_names(self.dependant)))
        names, path = frozenset(self.query_names), self.path

        async def checked(request: Request) -> Response:
            query = request.scope["query_string"]
            if not query:
                return await handler(request)
            if not query.isascii():  # raw UTF-8 (curl sends `?label=٧` so): read as UTF-8
                request.scope["query_string"] = quote_from_bytes(query, safe=ASCII).encode()
            items = request.query_params.multi_items()
            keys = [key for key, _ in items]
            if len(set(keys)) != len(keys) or not names.issuperset(keys):
                raise RequestValidationError([self.misuse(items, names, path)])
            return await handler(request)

        return checked

    def misuse(self, items: list[tuple[str, str]], names: frozenset[str], path: str) -> dict:
        """The first parameter not declared or given twice, as a pydantic-style error."""
        for key, value in items:
            if key not in names:
                takes = ", ".join(self.query_names) or "no query parameters"
                message = f"not a parameter of {path}, which takes {takes}"
                return {"type": "extra_forbidden", "loc": ("query", named(key)), "msg": message,
                        "input": value}  # fmt: skip
        counts: dict[str, list[str]] = {}
        for key, value in items:
            counts.setdefault(key, []).append(value)
        key, values = next((key, values) for key, values in counts.items() if len(values) > 1)
        return {"type": "repeated", "loc": ("query", key),
                "msg": f"given {len(values)} times: give it once", "input": values}  # fmt: skip


def _query_names(dependant: Dependant) -> Iterator[str]:
    """The query parameters of a route and of its dependencies, in the order declared."""
    for field in dependant.query_params:
        yield field.alias
    for dependency in dependant.dependencies:
        yield from _query_names(dependency)


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
