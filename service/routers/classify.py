"""Reading images: /classify and /encode."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends

from service import imaging, schemas, tracing
from service.manifest import Manifest, OODSpec
from service.routers.params import DeclaredQuery, FitQuery, InvertQuery, PlaneDep
from service.runtime import Encoding
from service.uploads import ImageUploads, upload_body

router = APIRouter(tags=["read"], route_class=DeclaredQuery)
Uploads = Annotated[list[tuple[str, bytes]], Depends(ImageUploads(many=True))]
Upload = Annotated[list[tuple[str, bytes]], Depends(ImageUploads())]


def _ood(encoding: Encoding, spec: OODSpec | None) -> list[schemas.OutOfDistribution | None]:
    if encoding.ood is None or spec is None:
        return [None] * len(encoding.loc)
    percentiles = spec.percentile(encoding.ood)
    return [
        schemas.OutOfDistribution(
            score=float(score), percentile=float(percent), flagged=bool(score > spec.threshold)
        )
        for score, percent in zip(encoding.ood, percentiles, strict=True)
    ]


def _predictions(encoding: Encoding, manifest: Manifest) -> list[schemas.Prediction]:
    with tracing.span("encode"):
        labels = encoding.probabilities.argmax(axis=1)
        classes = manifest.classes
        oods = _ood(encoding, manifest.ood)
        return [
            schemas.Prediction(
                label=int(k), class_name=classes[k], probabilities=p.tolist(), ood=ood
            )
            for k, p, ood in zip(labels, encoding.probabilities, oods, strict=True)
        ]


@router.post(
    "/classify",
    responses=schemas.ERRORS,
    openapi_extra=upload_body(
        "file", "PNG or JPEG; repeat the field for several images.", many=True
    ),
)
async def classify(
    plane: PlaneDep,
    uploads: Uploads,
    invert: InvertQuery = imaging.Invert.auto,
    fit: FitQuery = True,
) -> schemas.Prediction | list[schemas.Prediction]:
    """Classify one image, or a list of images when the field `file` is repeated.

    The image is a multipart file field `file`, or the whole body as `image/png` / `image/jpeg`.
    """
    images = await plane.read_images(uploads, invert, fit)
    predictions = _predictions(await plane.read(images), plane.manifest)
    return predictions[0] if len(predictions) == 1 else predictions


@router.post(
    "/encode",
    responses=schemas.ERRORS,
    openapi_extra=upload_body("file", "PNG or JPEG of one digit.", many=False),
)
async def encode(
    plane: PlaneDep, upload: Upload, invert: InvertQuery = imaging.Invert.auto, fit: FitQuery = True
) -> schemas.Encoding:
    """Posterior q(z|x) of one image, split into z_c and z_s, with its classification."""
    images = await plane.read_images(upload, invert, fit)
    encoding = await plane.read(images)
    dc = plane.manifest.latent.c
    loc, scale = encoding.loc[0], encoding.scale[0]
    return schemas.Encoding(
        z_c=schemas.Gaussian(loc=loc[:dc].tolist(), scale=scale[:dc].tolist()),
        z_s=schemas.Gaussian(loc=loc[dc:].tolist(), scale=scale[dc:].tolist()),
        prediction=_predictions(encoding, plane.manifest)[0],
    )
