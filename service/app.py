"""The FastAPI application: `create_app(settings)` wires settings, model, routes and errors.

Nothing is loaded at import: the lifespan reads the manifest, verifies the checksums, creates
and warms up the sessions, and starts the micro-batchers; a bad model stops the start with a
ModelError saying what is wrong.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from fastapi_offline import FastAPIOffline
from starlette.exceptions import HTTPException

from service import imaging, openapi, schemas
from service.dataplane import DataPlane
from service.errors import ServiceError, handle_error
from service.manifest import load_manifest
from service.metrics import Metrics
from service.middleware import BodyLimit, RequestMetrics
from service.routers import classify, generate, inference_protocol, ops, page, transform
from service.runtime import Runtime
from service.settings import Settings

log = logging.getLogger(__name__)

DESCRIPTION = """\
A characteristic-capturing VAE on MNIST. Its latent z = [z_c, z_s] splits the label
characteristics z_c (read by a classifier, modelled by the prior p(z_c|y)) from the style z_s.
Upload digits as PNG or JPEG (any size; dark-on-light drawings are inverted) to classify, encode,
reconstruct or redraw them as another digit; sample and interpolate from the prior.
"""


async def publish(metrics: Metrics) -> None:
    """Share this worker's metrics with the others, twice a second, until cancelled."""
    while True:
        await asyncio.to_thread(metrics.publish)
        await asyncio.sleep(metrics.publish_interval_s)


def operation_id(route: APIRoute) -> str:
    """An operation's ID is its route's name (`classify`), which client generators name calls by."""
    return route.name


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the app; the model is loaded when its lifespan starts."""
    settings = settings or Settings()
    metrics = Metrics(settings.metrics_dir)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        imaging.configure_pillow(settings.max_image_pixels)
        manifest = load_manifest(settings.model_dir)
        runtime = await asyncio.to_thread(Runtime.load, manifest, settings.device, settings.threads)
        plane = DataPlane(runtime, settings, metrics)
        plane.start()
        publisher = asyncio.create_task(publish(metrics)) if settings.metrics_dir else None
        app.state.plane = plane
        log.info("ready: %s on %s", settings.model_dir, runtime.provider)
        try:
            yield
        finally:
            app.state.plane = None
            await plane.stop()
            if publisher is not None:
                publisher.cancel()
                metrics.publish()  # this worker's final counts stay in the shared total
            log.info("stopped: %s released", settings.model_dir)

    # NOTE: FastAPIOffline serves /docs and /redoc with Swagger UI and ReDoc from its package,
    # not from a CDN, so the pages work offline.
    app = FastAPIOffline(
        title="CCVAE MNIST",
        version="1",
        description=DESCRIPTION,
        lifespan=lifespan,
        generate_unique_id_function=operation_id,
        openapi_tags=openapi.TAGS,
        servers=openapi.SERVERS,
        contact=openapi.CONTACT,
        license_info=openapi.LICENSE,
        swagger_ui_parameters={"validatorUrl": None},  # no badge from validator.swagger.io
    )
    app.state.settings = settings
    app.state.metrics = metrics
    app.state.plane = None
    app.add_middleware(
        BodyLimit,
        max_bytes=settings.max_upload_bytes,
        shape=inference_protocol.body_limit_shape,
    )
    app.add_middleware(RequestMetrics, metrics=metrics)  # outermost, so it counts 413s too
    for error in (ServiceError, RequestValidationError, HTTPException, Exception):
        app.add_exception_handler(error, handle_error)
    for router in (classify.router, generate.router, transform.router, ops.router):
        app.include_router(router, responses={503: schemas.UNAVAILABLE})
    app.include_router(page.router)
    app.include_router(inference_protocol.router)
    app.mount(page.ASSETS_PATH, page.assets(), name="web")
    openapi.install(app, settings)
    return app
