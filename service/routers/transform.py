"""Rewriting an image: /reconstruct and /intervene."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, File, Query, UploadFile
from starlette.responses import Response

from service import imaging
from service.routers.params import (
    IMAGE_RESPONSES,
    FitQuery,
    FormatQuery,
    InvertQuery,
    PlaneDep,
    SettingsDep,
    image_response,
    read_uploads,
    require_multipart,
    resolve_label,
)

router = APIRouter(tags=["transform"], dependencies=[Depends(require_multipart)])
ImageFile = Annotated[UploadFile, File(description="PNG or JPEG of one digit.")]


@router.post("/reconstruct", response_model=None, responses=IMAGE_RESPONSES)
async def reconstruct(
    plane: PlaneDep,
    settings: SettingsDep,
    file: ImageFile,
    invert: InvertQuery = "auto",
    fit: FitQuery = True,
    fmt: FormatQuery = "png",
) -> Response:
    """Decode the image's posterior mean."""
    images = await plane.read_images(await read_uploads([file], settings), invert, fit)
    decoded = await plane.reconstruct(images)
    return image_response(decoded, fmt, imaging.grid, plane.manifest.latent.c)


@router.post("/intervene", response_model=None, responses=IMAGE_RESPONSES)
async def intervene(
    plane: PlaneDep,
    settings: SettingsDep,
    file: ImageFile,
    label: Annotated[str, Query(description="Target class (name or index).", examples=["3"])],
    invert: InvertQuery = "auto",
    fit: FitQuery = True,
    fmt: FormatQuery = "png",
) -> Response:
    """Redraw the image as another label: keep its style z_s, set z_c to that label's prior mean."""
    index = resolve_label("label", label, plane.manifest.classes)
    images = await plane.read_images(await read_uploads([file], settings), invert, fit)
    decoded = await plane.intervene(images, index)
    return image_response(decoded, fmt, imaging.grid, plane.manifest.latent.c)
