"""The Open Inference Protocol (KServe v2 REST) beside the service's own endpoints.

Each exported graph is a model of the protocol, so standard clients (`tritonclient.http`, KServe's
InferenceRESTClient) can call every graph of the model directory on raw tensors. The routes are
thin: the data plane (service/dataplane.py) serves the protocol as it serves the image endpoints.
Errors on these paths take the protocol's shape `{"error": message}`, written by the service's
one error mechanism (service/errors.py), which picks the shape by path for routes, the router's
404 and 405, and the refusals made before routing alike. A request's `timeout` parameter (µs,
Triton's schedule-policy extension) brings its deadline forward.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Header, Request
from starlette.responses import JSONResponse, Response

from service import oip_schemas as oip
from service import schemas
from service.errors import PROTOCOL_PREFIX
from service.routers.params import PlaneDep

EXTENSIONS = ["binary_tensor_data", "schedule_policy"]

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
    prefix=PROTOCOL_PREFIX,
    tags=["inference protocol"],
    responses={503: ERRORS[503], "4XX": ERRORS["4XX"]},
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


@router.get("/models/{name}", responses=ERRORS)
async def model_metadata(plane: PlaneDep, name: str) -> oip.ModelMetadata:
    """A model's versions, platform, and inputs and outputs (-1: an axis of any size)."""
    return plane.model(name).metadata()


@router.get("/models/{name}/versions/{version}", responses=ERRORS)
async def model_version_metadata(plane: PlaneDep, name: str, version: str) -> oip.ModelMetadata:
    """The metadata of one version of a model."""
    return plane.model(name, version).metadata()


@router.get("/models/{name}/ready", responses=ERRORS)
async def model_ready(plane: PlaneDep, name: str) -> oip.ModelReady:
    """The model is loaded (it is whenever the server is ready)."""
    return oip.ModelReady(name=plane.model(name).name, ready=True)


@router.get("/models/{name}/versions/{version}/ready", responses=ERRORS)
async def model_version_ready(plane: PlaneDep, name: str, version: str) -> oip.ModelReady:
    """One version of the model is loaded."""
    return oip.ModelReady(name=plane.model(name, version).name, ready=True)


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
    request: Request, plane: PlaneDep, name: str, version: str | None, header_length: int | None
) -> Response:
    body, json_length = await plane.infer(name, version, await request.body(), header_length)
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
    name: str,
    header_length: HeaderLength = None,
) -> Response:
    """Run a model on the request's tensors: JSON data, or binary data after the JSON.

    The parameter `timeout` (µs) brings the request's deadline forward (never later than the
    server's); a request still waiting for the model past it gets 503 and is not run.
    """
    return await _infer(request, plane, name, None, header_length)


@router.post("/models/{name}/versions/{version}/infer", **INFER)
async def infer_version(
    request: Request,
    plane: PlaneDep,
    name: str,
    version: str,
    header_length: HeaderLength = None,
) -> Response:
    """Run one version of a model."""
    return await _infer(request, plane, name, version, header_length)
