"""Operating the service: health, model facts and metrics."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.exceptions import HTTPException
from starlette.responses import Response

from service import schemas
from service.manifest import CARD
from service.routers.params import PlaneDep, SettingsDep

router = APIRouter(tags=["operations"], responses={"4XX": schemas.REFUSED})
CARD_PATH = "/model/card"


@router.get("/health/live")
async def live() -> schemas.Health:
    """The process is up (it may still be loading the model)."""
    return schemas.Health(status="live")


@router.get("/health/ready")
async def ready(plane: PlaneDep) -> schemas.Health:
    """The model is loaded and warmed up; 503 otherwise."""
    return schemas.Health(status="ready")


@router.get("/model")
async def model_info(plane: PlaneDep, settings: SettingsDep) -> schemas.ModelInfo:
    """The served model: classes, image and latent sizes, metrics, versions and provider."""
    m = plane.manifest
    return schemas.ModelInfo(
        name=m.name,
        version=m.version,
        classes=list(m.classes),
        image=schemas.ImageInfo.model_validate(m.image.model_dump()),
        latent=schemas.LatentInfo.model_validate(m.latent.model_dump()),
        metrics=m.metrics,
        versions=m.versions,
        training=m.training,
        protocol=m.protocol,
        provider=plane.runtime.provider,
        device=settings.device,
        batching=settings.batching,
        ood=m.ood,
        card=CARD_PATH if m.card is not None else None,
    )


@router.get(
    CARD_PATH,
    response_class=Response,
    responses={
        200: {"content": {"text/markdown": {"example": "---\nlicense: mit\n---\n# ccvae-mnist"}}},
        404: {"model": schemas.Error},
        503: schemas.UNAVAILABLE,
    },
)
async def model_card(plane: PlaneDep) -> Response:
    """The model card: intended use, training data, metrics and limitations, as Markdown."""
    card = plane.manifest.card
    if card is None:
        raise HTTPException(404, f"model {plane.manifest.name!r} ships no card ({CARD})")
    return Response(card.read_text(encoding="utf-8"), media_type="text/markdown; charset=utf-8")


@router.get(
    "/metrics",
    response_class=Response,
    responses={
        200: {
            "content": {
                "text/plain": {"example": "ccvae_requests_total{...} 3"},
                "application/openmetrics-text": {"example": "ccvae_requests_total{...} 3\n# EOF"},
            }
        }
    },
)
async def metrics(request: Request) -> Response:
    """Prometheus text format, or OpenMetrics when the Accept header lists it: requests and
    latency per endpoint, model calls, queue depth, requests shed, process and model info;
    summed over every worker process."""
    body, content_type = request.app.state.metrics.exposition(request.headers.get("accept"))
    return Response(body, media_type=content_type)
