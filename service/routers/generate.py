"""Drawing from the model: /generate and /interpolate."""

from __future__ import annotations

import secrets
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from starlette.responses import Response

from service import imaging
from service.dataplane import DataPlane
from service.errors import InvalidParameter
from service.latents import Source
from service.routers.params import (
    DeclaredQuery,
    FitQuery,
    Format,
    FormatQuery,
    InvertQuery,
    LabelQuery,
    PlaneDep,
    SeedQuery,
    SettingsDep,
    TemperatureQuery,
    check_range,
    image_response,
    image_route,
    refuse_body,
    resolve_label,
)
from service.uploads import NamedImages, files_body

router = APIRouter(tags=["generate"], route_class=DeclaredQuery)

SourceQuery = Annotated[
    Source | None,
    Query(
        description="Where z comes from: 'density', the Gaussian per label fitted to the training "
        "digits' codes (the default when the model ships density.onnx), or 'prior', "
        "p(z_c|y) and N(0, I) for z_s (the report's generation; the default otherwise)."
    ),
]

StepsQuery = Annotated[int, Query(ge=2, description="Frames, both ends included.")]


def resolve_source(plane: DataPlane, source: Source | None) -> Source:
    """The source asked for, or the model's best one (the fitted density when it ships one)."""
    if source is None:
        return plane.sources[0]
    if source not in plane.sources:
        raise InvalidParameter(
            f"source {source.value!r}: this model has no fitted density (density.onnx); use "
            f"{' or '.join(plane.sources)}"
        )
    return source


@router.post("/generate", dependencies=[Depends(refuse_body)], **image_route(seeded=True))
async def generate(
    plane: PlaneDep,
    settings: SettingsDep,
    label: LabelQuery,
    n: Annotated[int, Query(ge=1, description="Number of samples.")] = 1,
    seed: SeedQuery = None,
    temperature: TemperatureQuery = 1.0,
    source: SourceQuery = None,
    fmt: FormatQuery = Format.png,
) -> Response:
    """Sample n images of a label: z = loc + T·scale_tril·eps from the density fitted to the
    training digits' codes when the model ships one (`/model` lists its files), else (or with
    `source=prior`) z_c = loc + T·scale·eps from p(z_c|y) and z_s = T·eps."""
    index = resolve_label("label", label, plane.manifest.classes)
    check_range("n", n, 1, settings.max_samples, "MAX_SAMPLES")
    seed = secrets.randbits(63) if seed is None else seed
    decoded = await plane.generate(index, n, temperature, seed, resolve_source(plane, source))
    return image_response(decoded, fmt, imaging.grid, plane.manifest.latent.c, seed)


@router.post("/interpolate", dependencies=[Depends(refuse_body)], **image_route(seeded=True))
async def interpolate(
    plane: PlaneDep,
    settings: SettingsDep,
    start_label: LabelQuery,
    end_label: LabelQuery,
    steps: StepsQuery = 8,
    seed: SeedQuery = None,
    temperature: TemperatureQuery = 1.0,
    source: SourceQuery = None,
    fmt: FormatQuery = Format.png,
) -> Response:
    """Walk z between two labels. From the fitted density: z from one seeded draw under the first
    label to the same draw under the second; from the priors: z_c from prior mean to prior mean
    with one seeded z_s held fixed. Between two images: /interpolate/images."""
    check_range("steps", steps, 2, settings.max_steps, "MAX_STEPS")
    classes = plane.manifest.classes
    start = resolve_label("start_label", start_label, classes)
    end = resolve_label("end_label", end_label, classes)
    seed = secrets.randbits(63) if seed is None else seed
    decoded = await plane.interpolate_labels(
        start, end, steps, temperature, seed, resolve_source(plane, source)
    )
    return image_response(decoded, fmt, imaging.strip, plane.manifest.latent.c, seed)


ENDS = {"start_image": "First image (PNG/JPEG).", "end_image": "Last image (PNG/JPEG)."}
Ends = Annotated[dict[str, tuple[str, bytes]], Depends(NamedImages(*ENDS))]


@router.post("/interpolate/images", openapi_extra=files_body(ENDS), **image_route(seeded=False))
async def interpolate_images(
    plane: PlaneDep,
    settings: SettingsDep,
    ends: Ends,
    steps: StepsQuery = 8,
    invert: InvertQuery = imaging.Invert.auto,
    fit: FitQuery = True,
    fmt: FormatQuery = Format.png,
) -> Response:
    """Walk z between two uploaded images, from posterior mean to posterior mean."""
    check_range("steps", steps, 2, settings.max_steps, "MAX_STEPS")
    images = await plane.read_images([ends[field] for field in ENDS], invert, fit)
    decoded = await plane.interpolate_images(images, steps)
    return image_response(decoded, fmt, imaging.strip, plane.manifest.latent.c)
