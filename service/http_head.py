"""A limit on the request head for uvicorn's httptools protocol, which sets none of its own.

uvicorn bounds the head only under h11 (`h11_max_incomplete_event_size`, 16 KiB); under
httptools, its default, it buffers a header of any size (a 64 MB one was read for 5.3 s).
`BoundedHttpTools` counts the bytes of each request head as they arrive and, once they pass the
same setting, answers 431 and closes the connection. granian bounds the head itself
(`HTTP1Settings.max_buffer_size`, about 400 KiB).
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

from uvicorn.config import Config
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol
from uvicorn.server import ServerState

from service.errors import HeaderTooLarge, error_body

DEFAULT_LIMIT = 64 * 2**10
"""The head limit when the config leaves `h11_max_incomplete_event_size` unset."""


def head_too_large(limit: int) -> bytes:
    """The whole 431 response, in the service's error shape."""
    refusal = HeaderTooLarge(f"request line and headers exceed the limit of {limit} bytes").refusal
    body = json.dumps(error_body(refusal)).encode()
    return (
        b"HTTP/1.1 431 Request Header Fields Too Large\r\n"
        b"content-type: application/json\r\n"
        b"content-length: " + str(len(body)).encode() + b"\r\n"
        b"connection: close\r\n\r\n" + body
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
    ) -> None:
        super().__init__(config, server_state, app_state, _loop)
        self.head_limit = config.h11_max_incomplete_event_size or DEFAULT_LIMIT
        self.head_bytes = 0
        """Bytes received since the current request began; -1 once its head is complete."""

    def data_received(self, data: bytes) -> None:
        counting = self.head_bytes >= 0
        if counting:
            self.head_bytes += len(data)
        super().data_received(data)
        if counting and self.head_bytes > self.head_limit and not self.transport.is_closing():
            self.logger.warning("Request head over %d bytes refused.", self.head_limit)
            self.transport.write(head_too_large(self.head_limit))
            self.transport.close()

    def on_headers_complete(self) -> None:
        self.head_bytes = -1
        super().on_headers_complete()

    def on_message_complete(self) -> None:
        super().on_message_complete()
        self.head_bytes = 0
