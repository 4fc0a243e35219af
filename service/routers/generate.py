"""Drawing from the model: /generate and /interpolate."""

from __future__ import annotations

import secrets
from typing import Annotated

from fastapi import APIRouter, Body, Depends, Query, Request
from starlette.responses import Response

from service import imaging, schemas
from service.dataplane import DataPlane, Source
from service.errors import InvalidParameter
from service.routers.params import (
    IMAGE_RESPONSES,
    FitQuery,
    FormatQuery,
    InvertQuery,
    PlaneDep,
    SeedQuery,
    SettingsDep,
    TemperatureQuery,
    check_range,
    image_response,
    require_json_or_empty,
    resolve_label,
)
from service.uploads import OptionalImages, optional_files_body

router = APIRouter(tags=["generate"])

SourceQuery = Annotated[
    Source | None,
    Query(
        description="Where z comes from: 'density', the Gaussian per label fitted to the training "
        "digits' codes (the default when the model ships density.onnx), or 'prior', "
        "p(z_c|y) and N(0, I) for z_s (the report's generation; the default otherwise)."
    ),
]

LabelQuery = Annotated[
    str | None, Query(description="Class name from the manifest (or its index).", examples=["7"])
]


def resolve_source(plane: DataPlane, source: Source | None) -> Source:
    """The source asked for, or the model's best one (the fitted density when it ships one)."""
    if source is None:
        return plane.sources[0]
    if source not in plane.sources:
        raise InvalidParameter(
            f"source {source!r}: this model has no fitted density (density.onnx); use "
            f"{' or '.join(plane.sources)}"
        )
    return source


@router.post(
    "/generate",
    response_model=None,
    responses=IMAGE_RESPONSES,
    dependencies=[Depends(require_json_or_empty)],
)
async def generate(
    request: Request,
    plane: PlaneDep,
    settings: SettingsDep,
    label: LabelQuery = None,
    n: Annotated[int, Query(ge=1, description="Number of samples.")] = 1,
    seed: SeedQuery = None,
    temperature: TemperatureQuery = 1.0,
    source: SourceQuery = None,
    fmt: FormatQuery = "png",
    body: Annotated[
        schemas.GenerateRequest | None,
        Body(description="The same parameters as JSON, instead of the query string."),
    ] = None,
) -> Response:
    """Sample n images of a label: z = loc + T·scale_tril·eps from the density fitted to the
    training digits' codes when the model ships one (`/model` lists its files), else (or with
    `source=prior`) z_c = loc + T·scale·eps from p(z_c|y) and z_s = T·eps."""
    if body is not None:
        if request.query_params:
            raise InvalidParameter(
                "give the parameters in the query string or in a JSON body, not both "
                f"(query has {sorted(request.query_params)})"
            )
        label, n, seed = str(body.label), body.n, body.seed
        temperature, fmt, source = body.temperature, body.format, body.source
    if label is None:
        raise InvalidParameter("label is required: POST /generate?label=7 or a JSON body")
    index = resolve_label("label", label, plane.manifest.classes)
    check_range("n", n, 1, settings.max_samples, "MAX_SAMPLES")
    seed = secrets.randbits(63) if seed is None else seed
    decoded = await plane.generate(index, n, temperature, seed, resolve_source(plane, source))
    return image_response(decoded, fmt, imaging.grid, plane.manifest.latent.c, seed)


ENDS = {"start_image": "First image (PNG/JPEG).", "end_image": "Last image (PNG/JPEG)."}
Ends = Annotated[dict[str, tuple[str, bytes]], Depends(OptionalImages(*ENDS))]


@router.post(
    "/interpolate",
    response_model=None,
    responses=IMAGE_RESPONSES,
    openapi_extra=optional_files_body(ENDS),
)
async def interpolate(
    plane: PlaneDep,
    settings: SettingsDep,
    ends: Ends,
    start_label: LabelQuery = None,
    end_label: LabelQuery = None,
    steps: Annotated[int, Query(ge=2, description="Frames, both ends included.")] = 8,
    seed: SeedQuery = None,
    temperature: TemperatureQuery = 1.0,
    source: SourceQuery = None,
    invert: InvertQuery = "auto",
    fit: FitQuery = True,
    fmt: FormatQuery = "png",
) -> Response:
    """Walk z between two labels or between two uploaded images (posterior mean to posterior
    mean). Between labels, from the fitted density: z from one seeded draw under the first
    label to the same draw under the second; from the priors: z_c from prior mean to prior
    mean with one seeded z_s held fixed."""
    check_range("steps", steps, 2, settings.max_steps, "MAX_STEPS")
    labels = (start_label, end_label)
    dc = plane.manifest.latent.c
    if ends and all(lb is None for lb in labels):
        if len(ends) < len(ENDS):
            raise InvalidParameter("image interpolation needs both start_image and end_image")
        images = await plane.read_images([ends[field] for field in ENDS], invert, fit)
        decoded = await plane.interpolate_images(images, steps)
        return image_response(decoded, fmt, imaging.strip, dc)
    if start_label is None or end_label is None or ends:
        raise InvalidParameter(
            "interpolate between two labels (start_label and end_label) or two images "
            "(start_image and end_image), not a mix; got "
            f"start_label={start_label!r}, end_label={end_label!r}, "
            f"images={[name for name, _ in ends.values()]}"
        )
    classes = plane.manifest.classes
    start = resolve_label("start_label", start_label, classes)
    end = resolve_label("end_label", end_label, classes)
    seed = secrets.randbits(63) if seed is None else seed
    decoded = await plane.interpolate_labels(
        start, end, steps, temperature, seed, resolve_source(plane, source)
    )
    return image_response(decoded, fmt, imaging.strip, dc, seed)
