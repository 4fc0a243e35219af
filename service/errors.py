"""The service's error hierarchy and the one handler that turns every error into JSON.

Every failure a client can cause maps to a 4xx with `{"error": {"type": ..., "message": ...}}`,
whose message names the offending value; nothing a request sends may end in a 500.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any, ClassVar, Literal

from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException
from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse

from service.logs import REQUEST_ID

log = logging.getLogger(__name__)

CLIENT_CLOSED = 499
"""The status a request is recorded with when its client went away first (nginx's 499)."""


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


class InvalidImage(ServiceError):
    """The upload is not a decodable PNG/JPEG, is truncated, or shows nothing."""

    type = "invalid_image"


class PayloadTooLarge(ServiceError):
    """Too many bytes, too many pixels (decompression bomb) or too many files."""

    status_code = 413
    type = "payload_too_large"


class UnsupportedMediaType(ServiceError):
    """The request body has a content type the endpoint does not read."""

    status_code = 415
    type = "unsupported_media_type"


class InvalidParameter(ServiceError):
    """A parameter is outside what the model or the settings allow (label, n, steps, ...)."""

    status_code = 422
    type = "invalid_parameter"


class NotReady(ServiceError):
    """The model is not loaded (starting or shutting down)."""

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


def error_response(
    status_code: int, type_: str, message: str, headers: Mapping[str, str] | None = None
) -> JSONResponse:
    """Write the one error body every failure of the service uses, with the request's ID."""
    body = {"error": {"type": type_, "message": message, "request_id": REQUEST_ID.get()}}
    return JSONResponse(body, status_code=status_code, headers=headers)


def _describe(error: dict[str, Any]) -> str:
    where = ".".join(str(part) for part in error.get("loc", ()) if part != "body") or "body"
    if error.get("type") == "json_invalid":
        detail = error.get("ctx", {}).get("error", "")
        return f"malformed JSON body: {detail}".rstrip(": ")
    message = f"{where}: {error.get('msg', 'invalid')}"
    if "input" in error and error["input"] is not None and error.get("type") != "missing":
        value = error["input"]
        shown = repr(value if not isinstance(value, bytes) else value[:40])
        message += f" (got {shown[:80]})"
    return message


async def handle_error(request: Request, exc: Exception) -> JSONResponse:
    """Turn any exception into the service's JSON error body with the right status."""
    if isinstance(exc, ClientDisconnect) or isinstance(exc.__cause__, ClientDisconnect):
        # NOTE: nobody reads this answer; it is there for the metrics, and no traceback is due.
        log.debug("client went away during %s %s", request.method, request.url.path)
        return error_response(CLIENT_CLOSED, "client_closed", "the client closed the request")
    if isinstance(exc, ServiceError):
        return error_response(exc.status_code, exc.type, exc.message, exc.headers)
    if isinstance(exc, RequestValidationError):
        if any(e.get("type") == "json_invalid" for e in exc.errors()):
            return error_response(400, "malformed_json", _describe(dict(exc.errors()[0])))
        messages = "; ".join(_describe(dict(e)) for e in exc.errors())
        return error_response(422, "invalid_request", messages or "invalid request")
    if isinstance(exc, HTTPException):
        type_ = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "bad_request")
        # NOTE: keep the exception's headers: a 405 must say what is allowed (RFC 9110 `Allow`).
        return error_response(exc.status_code, type_, str(exc.detail), exc.headers)
    log.exception("unhandled error on %s %s", request.method, request.url.path)
    return error_response(500, "internal", f"internal error: {type(exc).__name__}")
