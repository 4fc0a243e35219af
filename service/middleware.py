"""ASGI middleware: a hard cap on request bodies, and request metrics per endpoint."""

from __future__ import annotations

import time
from collections.abc import Callable

from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from service.errors import PayloadTooLarge, ServiceError, error_response
from service.metrics import Metrics

ErrorShape = Callable[[Scope, ServiceError], Response]


def service_shape(scope: Scope, exc: ServiceError) -> Response:
    """The service's own error body."""
    return error_response(exc.status_code, exc.type, exc.message, exc.headers)


class BodyLimit:
    """Refuse bodies over `max_bytes` with 413, by Content-Length or while streaming.

    The refusal comes before any route runs, so `shape` picks the error body by the request's
    path: APIs mounted beside the service's own (the inference protocol) keep their shape.
    """

    def __init__(self, app: ASGIApp, max_bytes: int, shape: ErrorShape = service_shape) -> None:
        self.app, self.max_bytes, self.shape = app, max_bytes, shape

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        too_large = PayloadTooLarge(f"request body exceeds the limit of {self.max_bytes} bytes")
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            too_large.message = (
                f"request body of {int(declared)} bytes exceeds the limit of {self.max_bytes} bytes"
            )
            await self.shape(scope, too_large)(scope, receive, send)
            return

        received, exceeded, started = 0, False, False

        async def counting_receive() -> Message:
            nonlocal received, exceeded
            message = await receive()
            received += len(message.get("body", b""))
            if received > self.max_bytes:
                exceeded = True
                raise too_large
            return message

        async def guarded_send(message: Message) -> None:
            nonlocal started
            # NOTE: the body parser may turn our exception into its own 400; the 413 wins.
            if exceeded and not started:
                started = True
                await self.shape(scope, too_large)(scope, receive, send)
            elif not exceeded:
                started = started or message["type"] == "http.response.start"
                await send(message)

        try:
            await self.app(scope, counting_receive, guarded_send)
        except PayloadTooLarge:
            if not started:
                await guarded_send({"type": "http.response.start"})


class RequestMetrics:
    """Count requests and time them per route template (unknown paths pooled as 'other')."""

    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app, self.metrics = app, metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        status = 500
        start = time.perf_counter()

        async def recording_send(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, recording_send)
        finally:
            route = scope.get("route")
            endpoint = getattr(route, "path", "other")
            seconds = time.perf_counter() - start
            self.metrics.observe_request(endpoint, scope["method"], status, seconds)
