"""ASGI middleware: a hard cap on request bodies, each request's ID, metrics and span, and HEAD."""

from __future__ import annotations

import logging
import time

from starlette.requests import ClientDisconnect
from starlette.routing import BaseRoute, Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from service.errors import (
    CLIENT_CLOSED,
    MalformedBody,
    PayloadTooLarge,
    ServiceError,
    UnsupportedEncoding,
    WebSocketRefused,
    error_response,
    route_of,
    shown,
)
from service.logs import ACCESS, REQUEST_ID, REQUEST_ID_HEADER, request_id
from service.metrics import OTHER, Metrics
from service.tracing import Tracing

access = logging.getLogger(ACCESS)
CODED = frozenset({b"content-encoding", b"transfer-encoding"})
"""The headers that say a body arrives coded (`_coding_refusal`)."""
SERVED = frozenset({"http", "websocket"})
"""The connections `Telemetry` accounts for: HTTP requests, and WebSocket handshakes (refused)."""
STARTS = frozenset({"http.response.start", "websocket.http.response.start"})
"""The messages that start an answer: a response, or the refusal of a WebSocket handshake."""
SINGLE = (b"content-type", b"content-length")
"""The body's headers that a request gives once (RFC 9110, 5.3): two that disagree are refused."""


class BodyLimit:
    """Refuse bodies over `max_bytes` with 413, by Content-Length or while streaming, and
    content-coded bodies (gzip, br ...) with 415 and transfer codings other than chunked with 400:
    every reader here takes the body's bytes as they are, so a compressed PNG would be refused as
    no image, a compressed tensor misread.

    The refusal comes before any route runs, in the error shape of the request's path (the
    inference protocol keeps its own).
    """

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app, self.max_bytes = app, max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope["headers"])
        # NOTE: set and length tests first (~0.1 µs); the full reads run when they find something
        if CODED.intersection(headers) or len(headers) != len(scope["headers"]):
            refusal = _repeated(scope["headers"]) or _coding_refusal(
                scope["headers"], headers.get(b"content-length")
            )
            if refusal is not None:
                await error_response(scope, refusal)(scope, receive, send)
                return
        too_large = PayloadTooLarge(f"request body exceeds the limit of {self.max_bytes} bytes")
        declared = headers.get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            too_large.message = (
                f"request body of {int(declared)} bytes exceeds the limit of {self.max_bytes} bytes"
            )
            await error_response(scope, too_large)(scope, receive, send)
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
                await error_response(scope, too_large)(scope, receive, send)
            elif not exceeded:
                started = started or message["type"] == "http.response.start"
                await send(message)

        try:
            await self.app(scope, counting_receive, guarded_send)
        except PayloadTooLarge:
            if not started:
                await guarded_send({"type": "http.response.start"})


def _repeated(headers: list[tuple[bytes, bytes]]) -> ServiceError | None:
    """The refusal of a body header in SINGLE given twice with different values, else None:
    readers here take the first line, a proxy in front may have taken the last."""
    for name in SINGLE:
        values = _lines(headers, name)
        if len(set(values)) > 1:
            field = name.decode().title()
            return MalformedBody(
                f"{field} given {len(values)} times ({shown(values)}): send it once"
            )
    return None


def _lines(headers: list[tuple[bytes, bytes]], name: bytes) -> list[str]:
    """Every line of the `name` header, in order."""
    return [v.decode("latin-1") for k, v in headers if k == name]


def _coding_refusal(
    headers: list[tuple[bytes, bytes]], length: bytes | None
) -> ServiceError | None:
    """The refusal of a body that arrives coded in a way no reader here undoes, else None.

    Granian and uvicorn undo `chunked` alone and pass any other transfer coding (`gzip, chunked`)
    on as it is; a Content-Encoding other than identity is never undone. A body declared empty
    (an HTTP/2 body may come without Content-Length or Transfer-Encoding) has nothing to undo.
    """
    if length == b"0":
        return None
    content = _codings(headers, b"content-encoding", {"identity"})
    if content is not None:
        return UnsupportedEncoding(
            f"Content-Encoding {shown(content)} is not supported: send the body uncompressed"
        )
    transfer = _codings(headers, b"transfer-encoding", {"chunked", "identity"})
    if transfer is not None:
        # NOTE: RFC 9112 (6.1) suggests 501, but what a request sends is answered with a 4xx here
        return MalformedBody(
            f"Transfer-Encoding {shown(transfer)} is not supported: send the body uncompressed, "
            "chunked or with a Content-Length"
        )
    return None


def _codings(headers: list[tuple[bytes, bytes]], name: bytes, plain: set[str]) -> str | None:
    """The `name` header's value, every line of it as one list (RFC 9110, 5.3), when it holds a
    coding outside `plain` (case aside)."""
    value = ", ".join(_lines(headers, name))
    codings = {c.strip().lower() for c in value.split(",")} - {"", *plain}
    return value if codings else None


class HeadAsGet:
    """Answer HEAD wherever GET is answered: the GET's status and headers, no body.

    RFC 9110 (9.1): a general-purpose server supports GET and HEAD, and a probe or `curl -I`
    sends HEAD. FastAPI's routes take only the methods they name, so a HEAD on /model was a 405;
    this is done once here rather than on every route, which would also list a HEAD operation
    per GET in the OpenAPI document.
    """

    def __init__(self, app: ASGIApp, routes: list[BaseRoute]) -> None:
        self.app, self.routes = app, routes

    def gettable(self, scope: Scope) -> bool:
        return route_of(self.routes, {**scope, "method": "GET"}, Match.FULL) is not None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "HEAD" or not self.gettable(scope):
            await self.app(scope, receive, send)
            return

        async def headers_only(message: Message) -> None:
            if message["type"] == "http.response.body":
                message = {**message, "body": b""}
            await send(message)

        # NOTE: the server's own scope keeps HEAD (uvicorn reads it when the response is sent);
        # what the routing found (route, path parameters) goes back to it, for the metrics.
        as_get = {**scope, "method": "GET"}
        try:
            await self.app(as_get, receive, headers_only)
        finally:
            scope.update({k: v for k, v in as_get.items() if k != "method"})


class Telemetry:
    """Per request: its ID, its metrics, its server span and (when asked) its access line.

    The ID is the caller's `X-Request-ID` when safe, else a fresh one; the response echoes it,
    and error bodies and log lines carry it. Requests are counted per route template (unknown
    paths pooled as `other`), those refused before routing (shed, too large) under the template
    their path matches. A client that goes away before it is answered is counted as 499
    (nginx's "client closed request"), never as a 500. A WebSocket handshake is refused
    (`refuse_websocket`) and counted as the GET it is.
    """

    def __init__(
        self,
        app: ASGIApp,
        metrics: Metrics,
        tracing: Tracing,
        routes: list[BaseRoute],
        access_log: bool = False,
    ) -> None:
        self.app, self.metrics, self.tracing, self.access_log = app, metrics, tracing, access_log
        self.routes = routes

    def template(self, scope: Scope) -> str:
        """The route template of the request: the routing's, else the one its path matches."""
        if scope["type"] == "websocket":  # the handshake counts under the GET its path names
            scope = {**scope, "type": "http", "method": "GET"}
        route = scope.get("route") or route_of(self.routes, scope)
        return getattr(route, "path", OTHER)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in SERVED:
            await self.app(scope, receive, send)
            return
        app = self.app if scope["type"] == "http" else refuse_websocket
        method = scope.get("method", "GET")  # a WebSocket handshake is a GET (RFC 6455, 4.1)
        header = next((v for k, v in scope["headers"] if k == REQUEST_ID_HEADER), None)
        rid = request_id(header)
        token = REQUEST_ID.set(rid)
        echoed = (REQUEST_ID_HEADER, rid.encode("ascii"))
        status, template = 500, None  # the template is looked up once, after the response
        start = time.perf_counter()

        async def identified_send(message: Message) -> None:
            nonlocal status
            if message["type"] in STARTS:
                status = message["status"]
                message["headers"] = [*message.get("headers", ()), echoed]
            elif message["type"] == "websocket.close":
                status = 403  # what the server answers a handshake closed before it is accepted
            await send(message)

        try:
            if self.tracing.enabled:
                with self.tracing.request(method, scope["path"], scope["headers"]) as s:
                    await app(scope, receive, identified_send)
                    s.set_attribute("http.response.status_code", status)
                    template = self.template(scope)
                    if template != OTHER:
                        s.update_name(f"{method} {template}")
            else:
                await app(scope, receive, identified_send)
        except ClientDisconnect:
            status = CLIENT_CLOSED
        finally:
            seconds = time.perf_counter() - start
            template = template or self.template(scope)
            self.metrics.observe_request(template, method, status, seconds)
            if self.access_log:
                _access_line(scope, method, status, seconds)
            REQUEST_ID.reset(token)


async def refuse_websocket(scope: Scope, receive: Receive, send: Send) -> None:
    """Decline a WebSocket handshake, in the error shape of its path, where the server offers
    ASGI's denial response (granian and uvicorn do); else close it, which the server answers
    with a bare 403. Without this, Starlette's router closes every handshake so."""
    if (await receive())["type"] != "websocket.connect":
        return  # the client went before its handshake was read
    if "websocket.http.response" not in (scope.get("extensions") or {}):
        await send({"type": "websocket.close", "code": 1008})  # 1008: policy violation
        return
    refused = WebSocketRefused(
        f"{shown(scope['path'], 80)} takes no WebSocket connection: every endpoint of this "
        "service answers plain HTTP requests (GET /openapi.json lists them)"
    )
    await error_response(scope, refused)(scope, receive, send)


def _access_line(scope: Scope, method: str, status: int, seconds: float) -> None:
    path = scope["path"]
    client = scope.get("client") or ("-", 0)
    fields = {
        "method": method,
        "path": path,
        "status": status,
        "duration_ms": round(seconds * 1000, 3),
        "client": client[0],
    }
    version = scope.get("http_version", "1.1")
    access.info(
        '%s "%s %s HTTP/%s" %d %.3f ms', client[0], method, path, version, status,
        seconds * 1000, extra=fields,
    )  # fmt: skip
