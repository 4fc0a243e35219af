"""The FastAPI application: `create_app(settings)` wires settings, model, routes and errors.

Nothing is loaded at import: the lifespan reads the manifest, verifies the checksums, creates
and warms up the sessions, builds the data plane (the graphs' signatures included) and starts its
micro-batchers; a bad model stops the start with a ModelError saying what is wrong. Every error,
whoever raises it, is answered by service/errors.py's one handler.
"""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from fastapi_offline import FastAPIOffline
from starlette.exceptions import HTTPException
from starlette.requests import ClientDisconnect
from starlette.routing import BaseRoute, Mount

from service import imaging, memory, openapi, schemas
from service.admission import Admission
from service.dataplane import DataPlane
from service.errors import ServiceError, handle_error
from service.manifest import load_manifest, sha256
from service.metrics import Metrics
from service.middleware import BodyLimit, HeadAsGet, Telemetry
from service.routers import classify, generate, inference_protocol, ops, page, transform
from service.runtime import Runtime
from service.settings import Settings
from service.tracing import Tracing

log = logging.getLogger(__name__)

DESCRIPTION = """\
A characteristic-capturing VAE on MNIST. Its latent z = [z_c, z_s] splits the label
characteristics z_c (read by a classifier, modelled by the prior p(z_c|y)) from the style z_s.
Upload digits as PNG or JPEG (any size; dark-on-light drawings are inverted) to classify, encode,
reconstruct or redraw them as another digit; sample and interpolate from the prior.
"""


def operation_id(route: APIRoute) -> str:
    """An operation's ID is its route's name (`classify`), which client generators name calls by."""
    return route.name


def create_app(settings: Settings | None = None, tracing: Tracing | None = None) -> FastAPI:
    """Build the app; the model is loaded when its lifespan starts.

    `tracing` defaults to what the OTEL_* environment variables ask for (off when they are unset).
    """
    settings = settings or Settings()
    metrics = Metrics(settings.metrics_dir)
    owned = tracing is None
    tracing = tracing or Tracing.from_environment(os.environ)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        imaging.configure_pillow(settings.max_image_pixels)
        memory.return_large_blocks()
        manifest = load_manifest(settings.model_dir)
        runtime = await asyncio.to_thread(Runtime.load, manifest, settings.device, settings.threads)
        # NOTE: off the event loop: the data plane reads each graph's signature by a probe run.
        plane = await asyncio.to_thread(DataPlane, runtime, settings, metrics)
        plane.start()
        trimmer = asyncio.create_task(memory.trim_periodically())
        metrics.serve_model(
            manifest.name, manifest.version, sha256(manifest.directory / "manifest.json")
        )
        app.state.plane = plane
        log.info("ready: %s on %s", settings.model_dir, runtime.provider)
        try:
            yield
        finally:
            app.state.plane = None
            trimmer.cancel()
            await plane.stop()
            metrics.stop()
            if owned:
                tracing.shutdown()  # flush what is left to export
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
        # NOTE: FastAPI (0.142+) also traces, measures and logs each request once any global
        # OpenTelemetry provider exists (`opentelemetry-instrument`, FASTAPI_OTEL_AUTO_CONFIGURE):
        # a second server span beside the service's own. service.tracing, /metrics and
        # service.logs are the one account of a request.
        telemetry={"tracing": False, "metrics": False, "logs": False, "auto_configure": False},
        # NOTE: Starlette answers `/classify/` with a redirect to a URL built from the request's
        # own Host header (`Host: evil.example` -> `Location: http://evil.example/classify`), which
        # a cache in front could keep and serve to others; the 404 names the path to use instead.
        redirect_slashes=False,
    )
    app.state.settings = settings
    app.state.metrics = metrics
    app.state.plane = None
    app.add_middleware(BodyLimit, max_bytes=settings.max_upload_bytes)
    # NOTE: before the body limit and the routes, so that a refusal for load costs the least.
    app.add_middleware(
        Admission,
        max_queue=settings.max_queue,
        deadline_s=settings.deadline_ms / 1000.0,
        on_shed=metrics.shed,
    )
    # every route, each with its own path template, for the middleware that look a request's
    # route up before routing (filled below; FastAPI keeps an included router as one entry)
    routes: list[BaseRoute] = []
    app.add_middleware(HeadAsGet, routes=routes)
    # outermost, so that it counts the 413s too and they carry the request's ID
    app.add_middleware(
        Telemetry, metrics=metrics, tracing=tracing, routes=routes, access_log=settings.access_log
    )
    errors = (ServiceError, RequestValidationError, HTTPException, ClientDisconnect, Exception)
    for error in errors:
        app.add_exception_handler(error, handle_error)
    model_endpoints = {503: schemas.UNAVAILABLE}
    for router, responses in (
        (classify.router, model_endpoints),
        (generate.router, model_endpoints),
        (transform.router, model_endpoints),
        (ops.router, model_endpoints),
        (page.router, None),
        (inference_protocol.router, None),
    ):
        app.include_router(router, responses=responses)
        routes.extend(router.routes)
    app.mount(page.ASSETS_PATH, page.assets(), name="web")
    for route in app.router.routes:  # FastAPIOffline's own mount, for /docs and /redoc
        if isinstance(route, Mount) and route.name == "static-offline-docs":
            route.app = page.whole_files(route.app)
    routes.extend(app.router.routes)  # the API docs' own, and the page's assets
    openapi.install(app, settings)
    return app
