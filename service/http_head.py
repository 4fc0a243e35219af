"""Limits on the request head for uvicorn's httptools protocol, which sets none of its own.

uvicorn bounds the head only under h11 (`h11_max_incomplete_event_size`, 16 KiB); under
httptools, its default, it buffers a header of any size (a 64 MB one was read for 5.3 s), and
waits for the rest of a head for as long as the client keeps the connection open.
`BoundedHttpTools` counts the bytes of each request head as they arrive and, once they pass the
same setting, answers 431 and closes the connection; a head not complete `head_timeout_s`
after its first byte is answered 408 and the connection closed; and a head that does not parse
is answered 400 in the service's error shape, not uvicorn's plain text. granian bounds the head
itself (`HTTP1Settings.max_buffer_size`, about 400 KiB, and `header_read_timeout`), and answers
one that does not parse from Rust, before the app is reached.
"""

from __future__ import annotations

import asyncio
import json
from http import HTTPStatus
from typing import Any

from uvicorn.config import Config
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol
from uvicorn.server import ServerState

from service.errors import (
    HeaderTooLarge,
    MalformedHead,
    RequestTimeout,
    ServiceError,
    error_body,
)
from service.logs import REQUEST_ID_HEADER, request_id

DEFAULT_LIMIT = 64 * 2**10
"""The head limit when the config leaves `h11_max_incomplete_event_size` unset."""


def raw_refusal(error: ServiceError, rid: str) -> bytes:
    """The whole response to a head refused before any request exists, in the service's error
    shape, closing the connection; `rid` is its request ID, in the body and the header, as a
    routed request's (a fresh one: the caller's X-Request-ID is in the head not yet read)."""
    refusal = error.refusal
    body = error_body(refusal)
    body["error"]["request_id"] = rid
    body = json.dumps(body).encode()
    return (
        f"HTTP/1.1 {refusal.status} {HTTPStatus(refusal.status).phrase}\r\n".encode()
        + b"content-type: application/json\r\n"
        + REQUEST_ID_HEADER
        + b": "
        + rid.encode()
        + b"\r\n"
        + b"content-length: "
        + str(len(body)).encode()
        + b"\r\n"
        + b"connection: close\r\n\r\n"
        + body
    )


class BoundedHttpTools(HttpToolsProtocol):
    """uvicorn's httptools protocol, refusing a request head over `h11_max_incomplete_event_size`.

    A head may overshoot the limit by the one read that crosses it (the read also carries the
    body's first bytes, which are not told apart from the head's here).
    """

    def __init__(
        self,
        config: Config,
        server_state: ServerState,
        app_state: dict[str, Any],
        _loop: asyncio.AbstractEventLoop | None = None,
        *,
        head_timeout_s: float,
    ) -> None:
        super().__init__(config, server_state, app_state, _loop)
        self.head_limit = config.h11_max_incomplete_event_size or DEFAULT_LIMIT
        self.head_timeout_s = head_timeout_s
        self.head_bytes = 0
        """Bytes received since the current request began; -1 once its head is complete."""
        self.head_timer: asyncio.TimerHandle | None = None

    def data_received(self, data: bytes) -> None:
        counting = self.head_bytes >= 0
        if counting:
            if self.head_bytes == 0 and self.head_timer is None:
                self.head_timer = self.loop.call_later(self.head_timeout_s, self.head_too_slow)
            self.head_bytes += len(data)
        super().data_received(data)
        if counting and self.head_bytes > self.head_limit and not self.transport.is_closing():
            message = f"request line and headers exceed the limit of {self.head_limit} bytes"
            self.refuse(HeaderTooLarge(message))

    def head_too_slow(self) -> None:
        self.head_timer = None
        if self.head_bytes >= 0 and not self.transport.is_closing():
            message = f"the request head was not complete {self.head_timeout_s:g} s after it began"
            self.refuse(RequestTimeout(message + " (CCVAE_HEADER_TIMEOUT_S)"))

    def send_400_response(self, msg: str) -> None:
        """uvicorn's answer to a head httptools cannot parse (it has logged `msg` already)."""
        self.refuse(MalformedHead("the request line or a header is not valid HTTP/1.1"))

    def refuse(self, error: ServiceError) -> None:
        """Answer `error` and close; the warning logged carries the answer's request ID."""
        self.stop_head_timer()
        rid = request_id(None)
        message = error.refusal.message
        self.logger.warning("Request head refused: %s.", message, extra={"request_id": rid})
        self.transport.write(raw_refusal(error, rid))
        self.transport.close()

    def stop_head_timer(self) -> None:
        if self.head_timer is not None:
            self.head_timer.cancel()
            self.head_timer = None

    def on_headers_complete(self) -> None:
        self.head_bytes = -1
        self.stop_head_timer()
        super().on_headers_complete()

    def on_message_complete(self) -> None:
        super().on_message_complete()
        self.head_bytes = 0

    def connection_lost(self, exc: Exception | None) -> None:
        self.stop_head_timer()
        super().connection_lost(exc)
