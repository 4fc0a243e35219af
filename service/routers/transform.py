"""Rewriting an image: /reconstruct and /intervene."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query
from starlette.responses import Response

from service import imaging
from service.routers.params import (
    DeclaredQuery,
    FitQuery,
    Format,
    FormatQuery,
    InvertQuery,
    LabelQuery,
    PlaneDep,
    image_response,
    image_route,
    resolve_label,
)
from service.uploads import ImageUploads, upload_body

router = APIRouter(tags=["transform"], route_class=DeclaredQuery)
Upload = Annotated[list[tuple[str, bytes]], Depends(ImageUploads())]
ONE_IMAGE = upload_body("file", "PNG or JPEG of one digit.", many=False)


@router.post(
    "/reconstruct",
    **image_route(seeded=False),
    openapi_extra=ONE_IMAGE,
)
async def reconstruct(
    plane: PlaneDep,
    upload: Upload,
    invert: InvertQuery = imaging.Invert.auto,
    fit: FitQuery = True,
    fmt: FormatQuery = Format.png,
) -> Response:
    """Decode the image's posterior mean."""
    images = await plane.read_images(upload, invert, fit)
    decoded = await plane.reconstruct(images)
    return image_response(decoded, fmt, imaging.grid, plane.manifest.latent.c)


@router.post(
    "/intervene",
    **image_route(seeded=False),
    openapi_extra=ONE_IMAGE,
)
async def intervene(
    plane: PlaneDep,
    upload: Upload,
    label: LabelQuery,
    keep: Annotated[
        float,
        Query(
            ge=0.0,
            le=1.0,
            description="Share of the digit's own z_c offset from its label's prior mean carried "
            "into the new label: 0 draws that label's prior mean (the most certain change), "
            "1 all of the offset (the most style kept).",
        ),
    ] = 0.5,
    invert: InvertQuery = imaging.Invert.auto,
    fit: FitQuery = True,
    fmt: FormatQuery = Format.png,
) -> Response:
    """Redraw the image as another label: keep its style z_s and move z_c to that label."""
    index = resolve_label("label", label, plane.manifest.classes)
    images = await plane.read_images(upload, invert, fit)
    decoded = await plane.intervene(images, index, keep)
    return image_response(decoded, fmt, imaging.grid, plane.manifest.latent.c)
