"""Fixtures: the shipped model served in-process, tiny models in tmp_path, MNIST, PNG makers."""

from __future__ import annotations

import asyncio
import io
import json
from collections.abc import Iterator
from contextlib import contextmanager
from functools import partial
from pathlib import Path
from typing import Any

import anyio.from_thread
import httpx
import numpy as np
import pytest
from fastapi import FastAPI
from PIL import Image, PngImagePlugin

from service.app import create_app
from service.settings import Settings
from service.tracing import Tracing
from tests.service import tiny_model
from tests.service.mnist_idx import REPO, load_test_set

SHIPPED = REPO / "models" / "ccvae-mnist"


class Client:
    """A synchronous face on an httpx client talking ASGI to the app on a portal's loop."""

    def __init__(
        self, portal: anyio.from_thread.BlockingPortal, client: httpx.AsyncClient, app: FastAPI
    ) -> None:
        self.portal, self.client, self.app = portal, client, app

    def request(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        return self.portal.call(partial(self.client.request, method, url, **kwargs))

    def get(self, url: str, **kwargs: Any) -> httpx.Response:
        return self.request("GET", url, **kwargs)

    def post(self, url: str, **kwargs: Any) -> httpx.Response:
        return self.request("POST", url, **kwargs)

    def connection(self, incoming: dict[str, Any], **scope: Any) -> list[dict[str, Any]]:
        """Run the app on one connection as a server hands it over, for what httpx will not send
        (a query string's raw bytes, a WebSocket handshake, a client gone mid-body): an HTTP
        scope on `path` unless `scope` says otherwise, `incoming` at every receive(). What the
        app sent, in order."""
        path = scope["path"]
        whole = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1",
                 "scheme": "http", "raw_path": path.encode(), "query_string": b"",
                 "root_path": "", "headers": [(b"host", b"x")], "client": ("127.0.0.1", 1),
                 "state": {}, **scope}  # fmt: skip
        sent: list[dict[str, Any]] = []

        async def receive() -> dict[str, Any]:
            return incoming

        async def send(message: dict[str, Any]) -> None:
            sent.append(message)

        self.portal.call(self.app, whole, receive, send)
        return sent

    def concurrently(self, calls: list[tuple[str, str, dict[str, Any]]]) -> list[httpx.Response]:
        """Send several requests at once, so the micro-batcher can merge them."""

        async def send_all() -> list[httpx.Response]:
            return list(
                await asyncio.gather(*(self.client.request(m, u, **kw) for m, u, kw in calls))
            )

        return self.portal.call(send_all)


@contextmanager
def serve(settings: Settings, tracing: Tracing | None = None) -> Iterator[Client]:
    """Run the app's lifespan and talk to it in-process, as uvicorn would drive it."""
    app = create_app(settings, tracing)
    with (
        anyio.from_thread.start_blocking_portal() as portal,
        portal.wrap_async_context_manager(app.router.lifespan_context(app)),
    ):
        transport = httpx.ASGITransport(app=app)
        client = httpx.AsyncClient(transport=transport, base_url="http://ccvae")
        try:
            yield Client(portal, client, app)
        finally:
            portal.call(client.aclose)


@pytest.fixture(scope="session")
def shipped_model() -> Path:
    """The model the repository ships; the service's tests are about this one."""
    if not (SHIPPED / "manifest.json").is_file():
        pytest.fail(f"no shipped model at {SHIPPED}: export one with ccvae-export first")
    return SHIPPED


@pytest.fixture(scope="session")
def manifest(shipped_model: Path) -> dict[str, Any]:
    return json.loads((shipped_model / "manifest.json").read_text())


@pytest.fixture(scope="session")
def client(shipped_model: Path) -> Iterator[Client]:
    """The real app on the shipped model, started once for the session."""
    with serve(Settings(model_dir=shipped_model, threads=1, max_wait_ms=2.0)) as c:
        yield c


@pytest.fixture
def tiny_model_dir(tmp_path: Path) -> Path:
    """A tiny but real exported model with the contract's names and shapes."""
    return tiny_model.write(tmp_path / "tiny")


@pytest.fixture(scope="session")
def mnist(mnist_dir: Path) -> tuple[np.ndarray, np.ndarray]:
    """MNIST test images (uint8, white on black) and labels, from $CCVAE_MNIST_DIR."""
    return load_test_set(mnist_dir)


def png(pixels: np.ndarray, mode: str | None = None, **save: Any) -> bytes:
    """Encode an array (uint8 or uint16) as PNG, converted to `mode` when given."""
    image = Image.fromarray(pixels)
    if mode is not None:
        image = image.convert(mode)
    buffer = io.BytesIO()
    image.save(buffer, format=save.pop("format", "PNG"), **save)
    return buffer.getvalue()


def text_bomb(pixels: np.ndarray, chunks: int, size: int) -> bytes:
    """A PNG carrying `chunks` zTXt chunks that each inflate to `size` bytes (a few KB each)."""
    info = PngImagePlugin.PngInfo()
    for i in range(chunks):
        info.add_text(f"comment{i}", "a" * size, zip=True)
    return png(pixels, pnginfo=info)


def decode_png(data: bytes) -> np.ndarray:
    """PNG bytes -> float array in [0, 1]."""
    with Image.open(io.BytesIO(data)) as image:
        return np.asarray(image.convert("L"), np.float32) / 255.0


def frames(strip: np.ndarray, count: int, size: int = 28, pad: int = 2) -> np.ndarray:
    """Cut a one-row strip (or grid row) made by the service back into its frames."""
    return np.stack(
        [
            strip[pad : pad + size, pad + i * (size + pad) : pad + i * (size + pad) + size]
            for i in range(count)
        ]
    )


def assert_clean_4xx(
    client: Client,
    method: str,
    url: str,
    kwargs: dict[str, Any],
    status: int,
    kind: str,
    words: str,
) -> None:
    """The request gets `status` with an error of type `kind` whose message contains `words`,
    and the service is still ready afterwards."""
    response = client.request(method, url, **kwargs)
    assert response.status_code == status, response.text
    error = response.json()["error"]
    assert error["type"] == kind
    assert words in error["message"]
    assert client.get("/health/ready").status_code == 200
