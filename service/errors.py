"""Every error the service raises, and the one mechanism that writes any of them as a response.

Every failure a client can cause maps to a 4xx whose message names the offending value, quoted
cut short (`shown`), so that an answer stays small; nothing a request sends may end in a 500. The
body has one shape per protocol, chosen by the request's path alone (`error_response`), whoever
refuses the request: a route, FastAPI's validation, the router (404, 405) or a middleware before
routing (413, 503).

- the service's own endpoints: `{"error": {"type": ..., "message": ..., "request_id": ...}}`;
- the Open Inference Protocol under /v2: `{"error": message}`, as its clients read it.
"""

from __future__ import annotations

import logging
import reprlib
from collections.abc import Mapping, Sequence
from http import HTTPStatus
from typing import Any, ClassVar, Literal, NamedTuple

from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException
from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse
from starlette.routing import BaseRoute, Match
from starlette.types import Scope

from service.logs import REQUEST_ID

log = logging.getLogger(__name__)

CLIENT_CLOSED = 499
"""The status a request is recorded with when its client went away first (nginx's 499)."""
PROTOCOL_PREFIX = "/v2"
"""The paths of the Open Inference Protocol, whose errors take the protocol's shape."""


def shown(value: object, limit: int = 40) -> str:
    """How a message quotes a value the request sent: its repr() cut short by reprlib (strings
    and numbers to `limit` characters, lists to 8 items), a long string's length beside it, so
    that an answer stays small whatever the request held.

    `shown("x" * 5000)` -> `'xxxxxxxxxxxxxxxxx...xxxxxxxxxxxxxxxxxx' (5000 characters)`
    """
    quote = reprlib.Repr()
    quote.maxstring = quote.maxother = quote.maxlong = limit
    quote.maxlist = quote.maxtuple = quote.maxset = 8
    quote.maxdict = 4
    text = quote.repr(value)
    if isinstance(value, str | bytes) and len(value) > limit:
        text += f" ({len(value)} {'characters' if isinstance(value, str) else 'bytes'})"
    return text


def named(name: str) -> str:
    """A name the request chose (a query parameter's, a multipart field's) as a message shows it:
    as it is when it is a short identifier, else quoted short by shown()."""
    return name if name.isidentifier() and len(name) <= 40 else shown(name)


class ModelError(Exception):
    """The model directory cannot be served: missing, corrupt or inconsistent (at start-up)."""


class Refusal(NamedTuple):
    """What any exception is answered with, whatever the shape of the body."""

    status: int
    type: str
    message: str
    headers: Mapping[str, str] | None = None


class ServiceError(Exception):
    """A request the service refuses, with the HTTP status and error type it is reported as."""

    status_code: ClassVar[int] = 400
    type: ClassVar[str] = "bad_request"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    @property
    def headers(self) -> Mapping[str, str] | None:
        """Headers the refusal carries beside its body (none but for a few kinds)."""
        return None

    @property
    def refusal(self) -> Refusal:
        """What this error is answered with."""
        return Refusal(self.status_code, self.type, self.message, self.headers)


class InvalidImage(ServiceError):
    """The upload is not a decodable PNG/JPEG, is truncated, or shows nothing."""

    type = "invalid_image"


class MalformedBody(ServiceError):
    """The body does not parse as what its content type says."""

    type = "bad_request"


class InvalidTensor(ServiceError):
    """A request the inference protocol cannot read, or whose tensors do not fit the model."""

    type = "invalid_tensor"


class PayloadTooLarge(ServiceError):
    """Too many bytes, too many pixels (decompression bomb) or too many files: 413, before
    the model runs, and for sizes a header declares, before the body is decoded."""

    status_code = 413
    type = "payload_too_large"


class UnsupportedMediaType(ServiceError):
    """The request body has a content type the endpoint does not read."""

    status_code = 415
    type = "unsupported_media_type"


class UnsupportedEncoding(UnsupportedMediaType):
    """The body is content-coded (`Content-Encoding: gzip` ...), and the service reads only
    identity-coded bodies: 415 with `Accept-Encoding: identity` (RFC 9110, section 12.5.3)."""

    @property
    def headers(self) -> Mapping[str, str]:
        return {"Accept-Encoding": "identity"}


class InvalidParameter(ServiceError):
    """A parameter is outside what the model or the settings allow (label, n, steps, ...):
    422, like FastAPI's own validation errors."""

    status_code = 422
    type = "invalid_parameter"


class UploadFields(InvalidParameter):
    """A multipart body whose fields are not the file fields the endpoint reads: one missing, a
    text field where a file belongs, or a field the endpoint does not take."""

    type = "invalid_request"


class WebSocketRefused(ServiceError):
    """A WebSocket handshake: no endpoint of this service speaks WebSocket, each answers plain
    HTTP. RFC 6455 (4.2.2) lets a server decline a handshake with any HTTP status; this one is
    the service's 400 rather than the bare 403 a server sends when the application closes."""

    type = "bad_request"


class RequestTimeout(ServiceError):
    """The body was still arriving when the request's deadline passed: 408, and the connection
    closes (what is left of the body is never read). A client that trickles its body would
    otherwise hold its place among the requests a worker admits for as long as it likes."""

    status_code = 408
    type = "request_timeout"

    @property
    def headers(self) -> Mapping[str, str]:
        return {"Connection": "close"}


class HeaderTooLarge(ServiceError):
    """The request line and headers exceed the server's limit; answered by the HTTP protocol
    itself (service/http_head.py), before any request exists."""

    status_code = 431
    type = "header_too_large"


class MalformedHead(ServiceError):
    """The request line or a header does not parse as HTTP/1.1 (a bad method, a Content-Length
    that is not a number, a control character in a header); answered by the HTTP protocol
    itself under uvicorn (service/http_head.py), before any request exists."""

    type = "bad_request"


class ModelNotFound(ServiceError):
    """No model of that name (or version) is served."""

    status_code = 404
    type = "model_not_found"


class NotReady(ServiceError):
    """The model is not loaded (starting or shutting down): 503, as /ready says, until the
    lifespan has built the data plane."""

    status_code = 503
    type = "not_ready"


ShedReason = Literal["queue_full", "deadline"]
"""Why a request was refused for load: the worker held as many requests as it may, or the
request's deadline passed before the model reached it."""

RETRY_AFTER_S = 1
"""What a shed request is told to wait before trying again (`Retry-After`, in whole seconds)."""


class Overloaded(ServiceError):
    """The worker refuses the request for load, not for anything in it: 503 with Retry-After."""

    status_code = 503
    type = "overloaded"

    def __init__(self, reason: ShedReason, message: str) -> None:
        super().__init__(message)
        self.reason = reason

    @property
    def headers(self) -> Mapping[str, str]:
        return {"Retry-After": str(RETRY_AFTER_S)}


def is_protocol(path: str) -> bool:
    """Whether a path is the inference protocol's (its errors take the protocol's shape)."""
    return path == PROTOCOL_PREFIX or path.startswith(PROTOCOL_PREFIX + "/")


def error_response(scope: Scope, exc: Exception) -> JSONResponse:
    """The one way every failure is answered: `exc` as a refusal, in the shape of the protocol
    the request's path belongs to, with the request's ID in the service's shape."""
    protocol = is_protocol(scope["path"])
    refusal = refusal_of(scope, exc, protocol)
    body = error_body(refusal, protocol)
    return JSONResponse(body, status_code=refusal.status, headers=refusal.headers)


def error_body(refusal: Refusal, protocol: bool = False) -> dict[str, Any]:
    """The body of a refusal: the protocol's `{"error": message}`, or the service's own."""
    if protocol:
        return {"error": refusal.message}
    detail = {"type": refusal.type, "message": refusal.message, "request_id": REQUEST_ID.get()}
    return {"error": detail}


def describe(error: Mapping[str, Any]) -> str:
    """One pydantic validation error as `where: what (got value)`, for a query or a JSON body."""
    where = ".".join(str(part) for part in error.get("loc", ()) if part != "body") or "body"
    if error.get("type") == "json_invalid":
        detail = error.get("ctx", {}).get("error", "")
        return f"the request is not valid JSON: {detail}".rstrip(": ")
    message = f"{where}: {error.get('msg', 'invalid')}"
    if error.get("input") is not None and error.get("type") != "missing":
        message += f" (got {shown(error['input'])})"
    return message


def _with_head(headers: Mapping[str, str] | None) -> Mapping[str, str] | None:
    """A 405's `Allow` with HEAD beside GET, which is answered wherever GET is (HeadAsGet)."""
    allowed = (headers or {}).get("Allow")
    methods = allowed.split(", ") if allowed is not None else []
    if "GET" not in methods or "HEAD" in methods:
        return headers
    return {**(headers or {}), "Allow": f"{allowed}, HEAD"}


def _routing_message(
    scope: Scope, status: int, headers: Mapping[str, str] | None, protocol: bool
) -> str:
    """The router's own 404 and 405, saying which path or which methods."""
    path = scope["path"]
    if status == 404:
        where = "the inference protocol" if protocol else "this service"
        message = f"Not Found: {shown(path, 80)} is not an endpoint of {where}"
        bare = path.rstrip("/")
        if bare != path and bare and _routed(scope, bare):
            message += f"; {shown(bare, 80)} is (without the trailing slash)"
        return message
    allowed = (headers or {}).get("Allow", "")
    return (
        f"Method Not Allowed: {scope['method']} is not allowed on {shown(path, 80)}; use {allowed}"
    )


def _routed(scope: Scope, path: str) -> bool:
    """Whether the app that answers `scope` has a route for `path`, whatever the method."""
    routes = getattr(scope.get("app"), "routes", [])
    return route_of(routes, {**scope, "path": path}) is not None


def route_of(
    routes: Sequence[BaseRoute], scope: Scope, least: Match = Match.PARTIAL
) -> BaseRoute | None:
    """The first route whose path matches the request's (PARTIAL: whatever its method)."""
    return next((r for r in routes if r.matches(scope)[0].value >= least.value), None)


def refusal_of(scope: Scope, exc: Exception, protocol: bool = False) -> Refusal:
    """The status, type, message and headers an exception is answered with."""
    if isinstance(exc, ClientDisconnect) or isinstance(exc.__cause__, ClientDisconnect):
        # NOTE: mostly nobody reads this answer (it is there for the metrics, and no traceback is
        # due); but granian also ends the body so when it cannot parse a chunk, and that client
        # is still there to read why. The two look alike here.
        log.debug("client went away during %s %s", scope["method"], scope["path"])
        return Refusal(
            CLIENT_CLOSED,
            "client_closed",
            "the request body ended before it was whole: the client closed the connection, or "
            "sent a body the HTTP server could not read (a malformed chunk)",
        )
    if isinstance(exc, ServiceError):
        return exc.refusal
    if isinstance(exc, RequestValidationError):
        errors = [dict(e) for e in exc.errors()]
        if any(e.get("type") == "json_invalid" for e in errors):
            return Refusal(400, "malformed_json", describe(errors[0]))
        messages = "; ".join(describe(e) for e in errors) or "invalid request"
        # NOTE: the protocol answers every request it cannot read with 400.
        return Refusal(400 if protocol else 422, "invalid_request", messages)
    if isinstance(exc, HTTPException):
        type_ = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "bad_request")
        headers = _with_head(exc.headers)
        message = str(exc.detail)
        if exc.status_code in (404, 405) and message == HTTPStatus(exc.status_code).phrase:
            message = _routing_message(scope, exc.status_code, headers, protocol)
        # NOTE: keep the exception's headers: a 405 must say what is allowed (RFC 9110 `Allow`).
        return Refusal(exc.status_code, type_, message, headers)
    log.exception("unhandled error on %s %s", scope["method"], scope["path"])
    return Refusal(500, "internal", f"internal error: {type(exc).__name__}")


async def handle_error(request: Request, exc: Exception) -> JSONResponse:
    """The exception handler of every error class: `error_response` for the request."""
    return error_response(request.scope, exc)
