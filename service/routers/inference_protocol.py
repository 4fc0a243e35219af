"""The Open Inference Protocol (KServe v2 REST) beside the service's own endpoints.

Each exported graph is a model of the protocol, so standard clients (`tritonclient.http`, KServe's
InferenceRESTClient) can call every graph of the model directory on raw tensors. Errors here take
the protocol's shape `{"error": message}`: every route of this router answers its own failures
through `ProtocolRoute`, unknown paths under /v2 are answered by a catch-all, and the body limit
and the admission gate (which refuse before any route runs) ask `error_shape`, so the service's
global handler (and its error shape for the other routes) is left as it is. A request's
`timeout` parameter (µs, Triton's schedule-policy extension) brings its deadline forward.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Request
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from starlette.exceptions import HTTPException
from starlette.requests import ClientDisconnect
from starlette.responses import JSONResponse, Response
from starlette.types import Scope

from service import admission, schemas
from service import oip_schemas as oip
from service.dataplane import DataPlane
from service.errors import ServiceError, UnsupportedMediaType
from service.graphs import PLATFORM, Graph, Graphs
from service.middleware import service_shape
from service.routers.params import PlaneDep
from service.settings import Settings
from service.tensors import (
    check_response_size,
    check_rows,
    encode_response,
    parse_request,
    select_outputs,
    split_body,
)

log = logging.getLogger(__name__)

EXTENSIONS = ["binary_tensor_data", "schedule_policy"]
PREFIX = "/v2"


def protocol_error(request: Request, exc: Exception) -> JSONResponse:
    """Any exception as the protocol's error body, with the status the service would give it."""
    headers = None
    if isinstance(exc, ServiceError):
        status, message, headers = exc.status_code, exc.message, exc.headers
    elif isinstance(exc, RequestValidationError):
        status = 400
        message = "; ".join(
            f"{'.'.join(str(p) for p in e.get('loc', ()))}: {e.get('msg', 'invalid')}"
            for e in exc.errors()
        )
    elif isinstance(exc, HTTPException):
        status, message, headers = exc.status_code, str(exc.detail), exc.headers
    else:
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        status, message = 500, f"internal error: {type(exc).__name__}"
    return JSONResponse({"error": message}, status_code=status, headers=headers)


def error_shape(scope: Scope, exc: ServiceError) -> Response:
    """A refusal made before routing (413, 503) in the protocol's shape on the protocol's paths,
    else in the service's."""
    if scope["path"] == PREFIX or scope["path"].startswith(PREFIX + "/"):
        return JSONResponse(
            {"error": exc.message}, status_code=exc.status_code, headers=exc.headers
        )
    return service_shape(scope, exc)


class ProtocolRoute(APIRoute):
    """A route that answers its own failures in the protocol's error shape."""

    def get_route_handler(self) -> Callable[[Request], Awaitable[Response]]:
        handler = super().get_route_handler()

        async def handle(request: Request) -> Response:
            try:
                return await handler(request)
            except ClientDisconnect:
                raise  # nobody to answer: the service's handler records a client close (499)
            except Exception as exc:
                return protocol_error(request, exc)

        return handle


async def get_graphs(plane: PlaneDep, request: Request) -> Graphs:
    """The served graphs, read from the loaded runtime once and kept beside it."""
    graphs: Graphs | None = getattr(request.app.state, "graphs", None)
    if graphs is None or graphs.runtime is not plane.runtime:
        graphs = Graphs(plane.runtime)
        request.app.state.graphs = graphs
    return graphs


GraphsDep = Annotated[Graphs, Depends(get_graphs)]
ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"model": oip.ProtocolError, "description": "A tensor that does not fit the model."},
    404: {"model": oip.ProtocolError, "description": "No such model or version."},
    503: {
        "model": oip.ProtocolError,
        "description": "The model is not loaded yet, or the server sheds the request: retry later.",
        "headers": schemas.RETRY_AFTER,
    },
    "4XX": {"model": oip.ProtocolError, "description": "Any other request the server refuses."},
}

router = APIRouter(
    prefix=PREFIX,
    tags=["inference protocol"],
    route_class=ProtocolRoute,
    responses={503: ERRORS[503]},
)


@router.get("")
async def server_metadata(request: Request) -> oip.ServerMetadata:
    """Name, version and protocol extensions of the server."""
    return oip.ServerMetadata(
        name=request.app.title, version=request.app.version, extensions=EXTENSIONS
    )


@router.get("/health/live")
async def server_live() -> oip.ServerLive:
    """The process is up."""
    return oip.ServerLive(live=True)


@router.get(
    "/health/ready",
    responses={503: {"model": oip.ServerReady, "headers": schemas.RETRY_AFTER}},
)
async def server_ready(request: Request) -> Response:
    """The models are loaded; 503 while they are not."""
    ready = getattr(request.app.state, "plane", None) is not None
    return JSONResponse({"ready": ready}, status_code=200 if ready else 503)


def _metadata(graph: Graph) -> oip.ModelMetadata:
    def tensors(specs: tuple[Any, ...]) -> list[oip.TensorMetadata]:
        return [
            oip.TensorMetadata(name=s.name, datatype=s.datatype, shape=list(s.shape)) for s in specs
        ]

    return oip.ModelMetadata(
        name=graph.name,
        versions=[graph.version],
        platform=PLATFORM,
        inputs=tensors(graph.inputs),
        outputs=tensors(graph.outputs),
    )


@router.get("/models/{name}", responses=ERRORS)
async def model_metadata(graphs: GraphsDep, name: str) -> oip.ModelMetadata:
    """A model's versions, platform, and inputs and outputs (-1: an axis of any size)."""
    return _metadata(graphs.get(name))


@router.get("/models/{name}/versions/{version}", responses=ERRORS)
async def model_version_metadata(graphs: GraphsDep, name: str, version: str) -> oip.ModelMetadata:
    """The metadata of one version of a model."""
    return _metadata(graphs.get(name, version))


@router.get("/models/{name}/ready", responses=ERRORS)
async def model_ready(graphs: GraphsDep, name: str) -> oip.ModelReady:
    """The model is loaded (it is whenever the server is ready)."""
    return oip.ModelReady(name=graphs.get(name).name, ready=True)


@router.get("/models/{name}/versions/{version}/ready", responses=ERRORS)
async def model_version_ready(graphs: GraphsDep, name: str, version: str) -> oip.ModelReady:
    """One version of the model is loaded."""
    return oip.ModelReady(name=graphs.get(name, version).name, ready=True)


# NOTE: the body is read raw because binary tensors may follow its JSON; the schema documents the
# JSON part, and the Inference-Header-Content-Length header says where it ends.
INFER: dict[str, Any] = {
    "response_model": None,
    "responses": {
        200: {
            "model": oip.InferenceResponse,
            "description": "JSON; with binary outputs, their bytes follow it and "
            "Inference-Header-Content-Length gives its length.",
            "content": {"application/octet-stream": {"schema": {"type": "string"}}},
            "headers": {
                "Inference-Header-Content-Length": {
                    "description": "Length of the JSON part, when binary outputs follow it.",
                    "schema": {"type": "integer", "minimum": 0},
                }
            },
        },
        **ERRORS,
    },
    "openapi_extra": {
        "requestBody": {
            "required": True,
            "content": {
                "application/json": {
                    # the component service.openapi adds to the document
                    "schema": {"$ref": "#/components/schemas/InferenceRequest"},
                }
            },
        }
    },
}

HeaderLength = Annotated[
    int | None,
    Header(
        alias="Inference-Header-Content-Length",
        ge=0,
        description="Length of the JSON part when binary tensor data follows it.",
    ),
]


async def _infer(
    request: Request, plane: DataPlane, graph: Graph, header_length: int | None
) -> Response:
    encoding = request.headers.get("content-encoding", "identity")
    if encoding != "identity":
        raise UnsupportedMediaType(f"Content-Encoding {encoding!r:.40} is not supported")
    header, binary = split_body(await request.body(), header_length)
    inference = parse_request(header)
    settings: Settings = request.app.state.settings
    check_rows(inference, settings.max_infer_rows)
    if "timeout" in inference.parameters:
        admission.shorten(inference.parameters["timeout"])
    feed = graph.feed(inference, binary)
    selected = select_outputs(inference, graph.outputs)
    rows = max(len(array) for array in feed.values())
    check_response_size(graph.outputs, selected, rows, settings.max_response_bytes)
    arrays = await plane.infer(graph, feed, [s.name for s in selected])
    body, json_length = encode_response(
        graph.name, graph.version, inference.id, list(zip(selected, arrays, strict=True))
    )
    if json_length is None:
        return Response(body, media_type="application/json")
    return Response(
        body,
        media_type="application/octet-stream",
        headers={"Inference-Header-Content-Length": str(json_length)},
    )


@router.post("/models/{name}/infer", **INFER)
async def infer(
    request: Request,
    plane: PlaneDep,
    graphs: GraphsDep,
    name: str,
    header_length: HeaderLength = None,
) -> Response:
    """Run a model on the request's tensors: JSON data, or binary data after the JSON.

    The parameter `timeout` (µs) brings the request's deadline forward (never later than the
    server's); a request still waiting for the model past it gets 503 and is not run.
    """
    return await _infer(request, plane, graphs.get(name), header_length)


@router.post("/models/{name}/versions/{version}/infer", **INFER)
async def infer_version(
    request: Request,
    plane: PlaneDep,
    graphs: GraphsDep,
    name: str,
    version: str,
    header_length: HeaderLength = None,
) -> Response:
    """Run one version of a model."""
    return await _infer(request, plane, graphs.get(name, version), header_length)


METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]


@router.api_route("", methods=METHODS, include_in_schema=False)
@router.api_route("/{path:path}", methods=METHODS, include_in_schema=False)
async def unknown(request: Request) -> Response:
    """404 (or 405 for a known path) in the protocol's shape, for paths the protocol lacks."""
    allowed = sorted(
        method
        for route in router.routes
        if isinstance(route, APIRoute)
        and route.endpoint is not unknown
        and route.path_regex.match(request.url.path)
        for method in route.methods
    )
    if allowed:
        return JSONResponse(
            {"error": f"{request.method} is not allowed on {request.url.path}; use {allowed}"},
            status_code=405,
            headers={"Allow": ", ".join(allowed)},
        )
    return JSONResponse(
        {"error": f"{request.url.path!r:.80} is not an endpoint of the inference protocol"},
        status_code=404,
    )
