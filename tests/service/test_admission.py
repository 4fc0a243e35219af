"""Admission control on the real app: a worker past max_queue refuses with 503 and Retry-After in
each API's error shape, a request past its deadline is refused before the model runs, and
requests within both limits are served as before."""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import pytest

from service.settings import Settings
from tests.service.conftest import Client, png, serve
from tests.service.prometheus import value

PNG = {"content-type": "image/png"}


@pytest.fixture(scope="module")
def digit(mnist: tuple[np.ndarray, np.ndarray]) -> bytes:
    return png(mnist[0][0])


def encoder_request(timeout_us: Any = None) -> dict[str, Any]:
    """A /v2 request for the encoder on one blank image, with a `timeout` parameter if given."""
    image = {"name": "image", "datatype": "FP32", "shape": [1, 1, 28, 28], "data": [0.0] * 784}
    body: dict[str, Any] = {"inputs": [image]}
    if timeout_us is not None:
        body["parameters"] = {"timeout": timeout_us}
    return body


async def held_body(data: bytes, release: asyncio.Event) -> AsyncIterator[bytes]:
    """The body's first bytes now, the rest once released: a request held in flight."""
    yield data[:10]
    await release.wait()
    yield data[10:]


def shed_count(client: Client, reason: str) -> float:
    text = client.get("/metrics").text
    pattern = rf'^ccvae_requests_shed_total\{{reason="{reason}"\}} (\S+)$'
    found = re.search(pattern, text, re.MULTILINE)
    return float(found.group(1)) if found else 0.0


def encoder_batches(client: Client) -> float:
    """Model calls of the batchers that run the encoder (alone, or reading digits with the OOD
    score)."""
    text = client.get("/metrics").text
    pattern = r'^ccvae_batch_size_count\{batcher="(?:encoder|reader)"\} (\S+)$'
    return sum(float(v) for v in re.findall(pattern, text, re.MULTILINE))


def test_a_request_past_max_queue_gets_503_with_retry_after_in_each_shape(
    shipped_model: Path, digit: bytes
) -> None:
    settings = Settings(model_dir=shipped_model, threads=1, max_queue=1)
    with serve(settings) as client:

        async def scenario() -> list[httpx.Response]:
            release = asyncio.Event()
            held = asyncio.ensure_future(
                client.client.post("/classify", content=held_body(digit, release), headers=PNG)
            )
            await asyncio.sleep(0.05)  # the first request is in, its body half read
            refused = [
                await client.client.post("/classify", content=digit, headers=PNG),
                await client.client.post("/v2/models/encoder/infer", json=encoder_request()),
            ]
            ready = await client.client.get("/health/ready")
            release.set()
            return [await held, *refused, ready]

        held, service, protocol, ready = client.portal.call(scenario)
        assert held.status_code == 200 and "probabilities" in held.json()
        assert service.status_code == 503 and service.headers["retry-after"] == "1"
        assert service.json()["error"]["type"] == "overloaded"
        assert "CCVAE_MAX_QUEUE" in service.json()["error"]["message"]
        assert protocol.status_code == 503 and protocol.headers["retry-after"] == "1"
        assert "CCVAE_MAX_QUEUE" in protocol.json()["error"]
        assert ready.status_code == 200  # GETs are never shed
        assert shed_count(client, "queue_full") == 2
        # refused before routing, yet counted under the endpoint each was sent to
        text = client.get("/metrics").text
        for endpoint in ("/classify", "/v2/models/{name}/infer"):
            labels = {"endpoint": endpoint, "method": "POST", "status": "503"}
            assert value(text, "ccvae_requests_total", **labels) == 1
        assert client.post("/classify", content=digit, headers=PNG).status_code == 200


def test_a_request_past_its_deadline_gets_503_and_the_model_never_runs_it(
    shipped_model: Path, digit: bytes
) -> None:
    settings = Settings(model_dir=shipped_model, threads=1, deadline_ms=0.001)
    with serve(settings) as client:
        before = encoder_batches(client)
        response = client.post("/classify", content=digit, headers=PNG)
        assert response.status_code == 503 and response.headers["retry-after"] == "1"
        assert response.json()["error"]["type"] == "overloaded"
        assert "CCVAE_DEADLINE_MS" in response.json()["error"]["message"]
        assert encoder_batches(client) == before
        assert shed_count(client, "deadline") == 1


def test_the_v2_timeout_parameter_brings_the_deadline_forward(client: Client) -> None:
    before = shed_count(client, "deadline")
    response = client.post("/v2/models/encoder/infer", json=encoder_request(timeout_us=1))
    assert response.status_code == 503 and response.headers["retry-after"] == "1"
    assert "timeout" in response.json()["error"]
    assert shed_count(client, "deadline") == before + 1
    roomy = client.post("/v2/models/encoder/infer", json=encoder_request(timeout_us=10**7))
    assert roomy.status_code == 200
    assert client.post("/v2/models/encoder/infer", json=encoder_request(0)).status_code == 200


@pytest.mark.parametrize("timeout_us", [-1, "soon", 1.5, True])
def test_a_v2_timeout_that_is_not_microseconds_is_400(client: Client, timeout_us: Any) -> None:
    response = client.post("/v2/models/encoder/infer", json=encoder_request(timeout_us))
    assert response.status_code == 400
    assert "timeout" in response.json()["error"]


def test_requests_within_both_limits_are_served_without_retry_after(
    client: Client, digit: bytes
) -> None:
    calls = [("POST", "/classify", {"content": digit, "headers": PNG})] * 16
    responses = client.concurrently(calls)
    assert [r.status_code for r in responses] == [200] * 16
    assert all("retry-after" not in r.headers for r in responses)


def test_a_body_still_arriving_at_the_deadline_gets_408_and_frees_its_place(
    shipped_model: Path, digit: bytes
) -> None:
    """A client that trickles its body (slowloris) holds its admitted place only until the
    request's deadline: then 408 in each API's shape, the connection closes, and the place is
    free for the next request."""
    settings = Settings(model_dir=shipped_model, threads=1, max_queue=2, deadline_ms=300)
    with serve(settings) as client:

        async def scenario() -> list[httpx.Response]:
            never = asyncio.Event()  # the rest of each body is never sent
            request = encoder_request()
            stalled = await asyncio.wait_for(
                asyncio.gather(
                    client.client.post("/classify", content=held_body(digit, never), headers=PNG),
                    client.client.post(
                        "/v2/models/encoder/infer",
                        content=held_body(json.dumps(request).encode(), never),
                        headers={"content-type": "application/json"},
                    ),
                ),
                timeout=10,
            )  # without the deadline on the body, they would wait for ever
            return [*stalled, await client.client.post("/classify", content=digit, headers=PNG)]

        service, protocol, after = client.portal.call(scenario)
    assert service.status_code == protocol.status_code == 408
    assert service.headers["connection"] == protocol.headers["connection"] == "close"
    assert service.json()["error"]["type"] == "request_timeout"
    assert "CCVAE_DEADLINE_MS" in service.json()["error"]["message"]
    assert "still arriving" in protocol.json()["error"]
    assert after.status_code == 200


def test_a_body_sent_in_parts_within_the_deadline_is_served(
    shipped_model: Path, digit: bytes
) -> None:
    settings = Settings(model_dir=shipped_model, threads=1, deadline_ms=5000)
    with serve(settings) as client:

        async def scenario() -> httpx.Response:
            release = asyncio.Event()
            asyncio.get_running_loop().call_later(0.2, release.set)
            return await client.client.post(
                "/classify", content=held_body(digit, release), headers=PNG
            )

        assert client.portal.call(scenario).status_code == 200
