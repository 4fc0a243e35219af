"""Request IDs (accepted, generated, echoed, in error bodies and log lines) and log formats."""

from __future__ import annotations

import json
import logging
import re
import signal
from pathlib import Path

import httpx
import numpy as np
import pytest

from service.logs import REQUEST_ID, JsonFormatter, TextFormatter, request_id
from tests.service.conftest import Client, png
from tests.service.live_server import start_server

GENERATED = re.compile(r"[0-9a-f]{32}")
TIMESTAMP = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z")


@pytest.mark.parametrize("given", ["abc-123", "4bf92f3577b34da6a3ce929d0e0e4736", "a.b:c/d@e=f+g"])
def test_request_id_keeps_a_safe_caller_id(given: str) -> None:
    assert request_id(given.encode()) == given


@pytest.mark.parametrize("given", [None, b"", b"x" * 129, b"a b", b"a\nb", b'a"b', "é".encode()])
def test_request_id_replaces_a_missing_or_unsafe_id_with_a_fresh_one(given: bytes | None) -> None:
    assert GENERATED.fullmatch(request_id(given))
    assert request_id(given) != request_id(given)


def test_responses_echo_the_callers_request_id_or_a_generated_one(client: Client) -> None:
    given = client.get("/health/live", headers={"X-Request-ID": "trace-me-42"})
    assert given.headers["x-request-id"] == "trace-me-42"
    fresh = [client.get("/health/live").headers["x-request-id"] for _ in range(2)]
    assert all(GENERATED.fullmatch(f) for f in fresh) and fresh[0] != fresh[1]
    unsafe = client.get("/health/live", headers={"X-Request-ID": "x" * 500})
    assert GENERATED.fullmatch(unsafe.headers["x-request-id"])


@pytest.mark.parametrize(
    ("method", "url", "kwargs"),
    [
        ("post", "/generate", {"params": {"label": "99"}}),  # the service's own 422
        ("post", "/classify", {"content": b"not a png", "headers": {"content-type": "image/png"}}),
        ("post", "/classify", {"content": b"x" * 11 * 2**20}),  # 413 from the body limit
        ("get", "/no-such-page", {}),
    ],
)
def test_error_bodies_carry_the_request_id(
    client: Client, method: str, url: str, kwargs: dict[str, object]
) -> None:
    headers = {**kwargs.pop("headers", {}), "X-Request-ID": "err-7"}  # type: ignore[dict-item]
    response = client.request(method, url, headers=headers, **kwargs)
    assert response.status_code >= 400
    assert response.json()["error"]["request_id"] == "err-7"
    assert response.headers["x-request-id"] == "err-7"


def _record(message: str, **extra: object) -> logging.LogRecord:
    record = logging.LogRecord("service.app", logging.WARNING, __file__, 1, message, (), None)
    record.__dict__.update(extra)
    return record


def test_json_lines_carry_time_level_logger_message_and_the_request_id() -> None:
    token = REQUEST_ID.set("rid-1")
    try:
        line = JsonFormatter().format(_record("model slow", status=200, duration_ms=1.5))
    finally:
        REQUEST_ID.reset(token)
    entry = json.loads(line)
    assert TIMESTAMP.fullmatch(entry.pop("time"))
    assert entry == {
        "level": "WARNING",
        "logger": "service.app",
        "message": "model slow",
        "request_id": "rid-1",
        "status": 200,
        "duration_ms": 1.5,
    }


def test_text_lines_start_with_the_time_and_end_with_the_request_id() -> None:
    token = REQUEST_ID.set("rid-2")
    try:
        line = TextFormatter().format(_record("model slow"))
    finally:
        REQUEST_ID.reset(token)
    stamp, rest = line.split(" ", 1)
    assert TIMESTAMP.fullmatch(stamp)
    assert rest == "WARNING service.app: model slow request_id=rid-2"
    assert TextFormatter().format(_record("outside a request")).endswith("outside a request")


@pytest.mark.parametrize("kind", ["granian", "uvicorn"])
def test_json_logs_give_one_line_per_request_and_the_servers_lines_too(
    shipped_model: Path, mnist: tuple[np.ndarray, np.ndarray], kind: str
) -> None:
    server, url = start_server(
        shipped_model, "--server", kind, "--log-format", "json", "--access-log"
    )
    try:
        digit = png(mnist[0][0])
        for i in range(5):
            headers = {"content-type": "image/png", "X-Request-ID": f"json-{i}"}
            assert httpx.post(f"{url}/classify", content=digit, headers=headers).status_code == 200
    finally:
        server.terminate()
        output, _ = server.communicate(timeout=30)
    assert server.returncode in (0, -signal.SIGTERM)
    entries = [json.loads(line) for line in output.decode().splitlines()]  # every line is JSON
    assert all(TIMESTAMP.fullmatch(e["time"]) for e in entries)
    access = [e for e in entries if e["logger"] == "service.access" and e["path"] == "/classify"]
    assert [e["request_id"] for e in access] == [f"json-{i}" for i in range(5)]
    assert all(e["status"] == 200 and e["duration_ms"] > 0 for e in access)
    assert any(e["logger"].startswith(("_granian", "uvicorn")) for e in entries)
    assert any(e["logger"] == "service.app" and e["message"].startswith("ready") for e in entries)
