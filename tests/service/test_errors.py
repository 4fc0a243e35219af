"""Every bad request gets a 4xx with a JSON error naming what was wrong; the service stays ready."""

from __future__ import annotations

import gzip
import json
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import quote

import numpy as np
import pytest
from PIL import PngImagePlugin

from bench.costs import png_header
from service.app import create_app
from tests.service.conftest import Client, assert_clean_4xx, png, text_bomb
from tests.service.prometheus import value

DIGIT = np.zeros((28, 28), np.uint8)
DIGIT[6:22, 12:16] = 255
GOOD = png(DIGIT)
NOISE = png(np.random.default_rng(0).integers(0, 256, (64, 64), dtype=np.uint8))
TEXT_BOMB = text_bomb(DIGIT, 1, 2 * PngImagePlugin.MAX_TEXT_CHUNK)  # inflates past Pillow's bound
SIDE = 4096  # the default limit is 4096 x 4096 pixels
JSON = "application/json"

# (method, url, request keyword arguments, status, error type, words the message must contain)
CASES: list[tuple[str, str, dict[str, Any], int, str, str]] = [
    (
        "POST",
        "/classify",
        {"files": {"file": ("a.txt", b"plain text")}},
        400,
        "invalid_image",
        "not a PNG or JPEG",
    ),
    (
        "POST",
        "/classify",
        {"files": {"file": ("t.png", NOISE[: len(NOISE) // 2])}},
        400,
        "invalid_image",
        "truncated",
    ),
    ("POST", "/classify", {"files": {"file": ("e.png", b"")}}, 400, "invalid_image", "0 bytes"),
    (
        "POST",
        "/classify",
        {"files": {"file": ("b.png", png(np.zeros((40, 40), np.uint8)))}},
        400,
        "invalid_image",
        "blank",
    ),
    (
        "POST",
        "/classify",
        {"files": {"file": ("big.png", png_header(SIDE + 100, SIDE))}},
        413,
        "payload_too_large",
        "decompression bomb",
    ),
    (
        "POST",
        "/classify",
        {"files": {"file": ("huge.png", png_header(3 * SIDE, SIDE))}},
        413,
        "payload_too_large",
        "decompression bomb",
    ),
    (
        "POST",
        "/classify",
        {"files": {"file": ("text.png", TEXT_BOMB)}},
        413,
        "payload_too_large",
        "MAX_TEXT_CHUNK",
    ),
    (
        "POST",
        "/classify",
        {"files": {"file": ("x.png", b"\0" * (11 * 2**20))}},
        413,
        "payload_too_large",
        "exceeds the limit of 10485760 bytes",
    ),
    (
        "POST",
        "/classify",
        {"files": [("file", ("d.png", GOOD))] * 257},
        413,
        "payload_too_large",
        "257 files",
    ),
    ("POST", "/classify", {"files": {"other": ("d.png", GOOD)}}, 422, "invalid_request", "file"),
    (
        "POST",
        "/classify",
        {"json": {"file": "d.png"}},
        415,
        "unsupported_media_type",
        "application/json",
    ),
    (
        "POST",
        "/classify",
        {"params": {"invert": "maybe"}, "files": {"file": ("d.png", GOOD)}},
        422,
        "invalid_request",
        "'maybe'",
    ),
    (
        "POST",
        "/classify",
        {"params": {"fit": False}, "files": {"file": ("n.png", NOISE)}},
        400,
        "invalid_image",
        "fit=false needs the model's 28x28",
    ),
    ("GET", "/classify", {}, 405, "method_not_allowed", "Method Not Allowed"),
    ("POST", "/generate", {"params": {"label": "10"}}, 422, "invalid_parameter", "'10'"),
    ("POST", "/generate", {"params": {"label": "seven"}}, 422, "invalid_parameter", "'seven'"),
    ("POST", "/generate", {}, 422, "invalid_request", "query.label: Field required"),
    ("POST", "/generate", {"params": {"label": "7", "n": 0}}, 422, "invalid_request", "'0'"),
    (
        "POST",
        "/generate",
        {"params": {"label": "7", "n": 65}},
        422,
        "invalid_parameter",
        "n=65 is out of range",
    ),
    (
        "POST",
        "/generate",
        {"params": {"label": "7", "n": "many"}},
        422,
        "invalid_request",
        "'many'",
    ),
    (
        "POST",
        "/generate",
        {"params": {"label": "7", "temperature": -1}},
        422,
        "invalid_request",
        "temperature",
    ),
    (
        "POST",
        "/generate",
        {"params": {"label": "7", "format": "gif"}},
        422,
        "invalid_request",
        "'gif'",
    ),
    ("POST", "/generate", {"params": {"label": "7", "seed": -3}}, 422, "invalid_request", "seed"),
    (
        "POST",
        "/generate",
        {"content": b'{"label": 7,', "headers": {"content-type": JSON}},
        415,
        "unsupported_media_type",
        "takes its parameters in the query string",
    ),
    (
        "POST",
        "/generate",
        {"json": {"label": "7"}, "params": {"label": "7"}},
        415,
        "unsupported_media_type",
        "not a body",
    ),
    (
        "POST",
        "/generate",
        {"content": b"label=7", "headers": {"content-type": "text/plain"}},
        415,
        "unsupported_media_type",
        "text/plain",
    ),
    (
        "POST",
        "/interpolate",
        {"params": {"start_label": "1", "end_label": "2", "steps": 1}},
        422,
        "invalid_request",
        "steps",
    ),
    (
        "POST",
        "/interpolate",
        {"params": {"start_label": "1", "end_label": "2", "steps": 33}},
        422,
        "invalid_parameter",
        "steps=33 is out of range",
    ),
    (
        "POST",
        "/interpolate",
        {"params": {"start_label": "1"}},
        422,
        "invalid_request",
        "query.end_label: Field required",
    ),
    (
        "POST",
        "/interpolate/images",
        {"files": {"start_image": ("a.png", GOOD)}},
        422,
        "invalid_request",
        "end_image: field required",
    ),
    (
        "POST",
        "/interpolate",
        {"params": {"start_label": "1", "end_label": "x"}},
        422,
        "invalid_parameter",
        "end_label 'x'",
    ),
    (
        "POST",
        "/intervene",
        {"params": {"label": "-1"}, "files": {"file": ("d.png", GOOD)}},
        422,
        "invalid_parameter",
        "'-1'",
    ),
    ("POST", "/intervene", {"files": {"file": ("d.png", GOOD)}}, 422, "invalid_request", "label"),
    (
        "POST",
        "/intervene",
        {"params": {"label": "3", "keep": "1.5"}, "files": {"file": ("d.png", GOOD)}},
        422,
        "invalid_request",
        "keep",
    ),
    (
        "POST",
        "/reconstruct",
        {"files": {"file": ("a.gif", png(DIGIT, format="GIF"))}},
        400,
        "invalid_image",
        "not a PNG or JPEG",
    ),
    ("GET", "/nowhere", {}, 404, "not_found", "Not Found"),
]


@pytest.mark.parametrize("case", CASES, ids=[f"{c[1]}-{c[3]}-{c[5][:24]}" for c in CASES])
def test_bad_request_gets_its_4xx_and_the_service_stays_ready(
    client: Client, case: tuple[Any, ...]
) -> None:
    """`case`: method, URL, request arguments, status, error type, words of the message."""
    assert_clean_4xx(client, *case)


def test_several_files_name_the_bad_one(client: Client) -> None:
    files = [("file", ("good.png", GOOD)), ("file", ("bad.png", b"nope"))]
    error = client.post("/classify", files=files).json()["error"]
    assert error["message"].startswith("'bad.png': not a PNG or JPEG")


SCHEMA = create_app().openapi()
REST = {  # each operation of the REST API: the query parameters it takes, in order
    path: [p["name"] for p in op.get("parameters", []) if p["in"] == "query"]
    for path, ops in SCHEMA["paths"].items()
    if not path.startswith("/v2")
    for method, op in ops.items()
    if method == "post"
}


@pytest.mark.parametrize("path", REST)
def test_a_query_parameter_the_operation_does_not_take_is_422_naming_what_it_takes(
    client: Client, path: str
) -> None:
    """A misspelt parameter would otherwise be ignored, and the answer not what was asked for."""
    message = f"query.colour: not a parameter of {path}, which takes {', '.join(REST[path])}"
    assert_clean_4xx(client, "POST", path, {"params": {"colour": "red"}}, 422,
                     "invalid_request", message)  # fmt: skip


@pytest.mark.parametrize("path", REST)
def test_a_query_parameter_given_twice_is_422_naming_both_values(client: Client, path: str) -> None:
    """FastAPI would keep the last of the two, and the answer would be for one the client may not
    have meant."""
    name = REST[path][0]
    message = f"query.{name}: given 2 times: give it once (got ['1', '2'])"
    assert_clean_4xx(client, "POST", path, {"params": [(name, "1"), (name, "2")]}, 422,
                     "invalid_request", message)  # fmt: skip


def test_an_unknown_parameters_name_is_quoted_short(client: Client) -> None:
    """Whatever the query string holds, the answer quotes a bounded part of it."""
    error = client.post("/generate", params={"\x00" + "x" * 5000: "1"}).json()["error"]
    assert error["message"].startswith("query.'\\x00xxx")
    assert "(5001 characters): not a parameter of /generate" in error["message"]
    assert len(error["message"]) < 300


def raw_query(client: Client, path: str, query: bytes) -> tuple[int, dict[str, Any]]:
    """POST `path` with `query` as the server hands it over, unencoded (httpx would encode it,
    curl sends it as typed): the status and the JSON body."""
    body = {"type": "http.request", "body": b"", "more_body": False}
    start, *rest = client.connection(body, path=path, method="POST", query_string=query)
    return start["status"], json.loads(b"".join(m.get("body", b"") for m in rest))


@pytest.mark.parametrize(
    ("query", "quoted"),
    [("label=٧", "label '٧' is not one of the model's classes"),
     ("label=7&température=2", "query.température: not a parameter of /generate"),
     ("label=7&n=٣", "query.n: Input should be a valid integer")],
)  # fmt: skip
def test_a_query_string_sent_unencoded_is_read_as_utf8(
    client: Client, query: str, quoted: str
) -> None:
    """Starlette reads the query string's raw bytes as Latin-1 and only its %-escapes as UTF-8:
    `?label=٧` typed into curl came back quoted as 'Ù§'."""
    status, body = raw_query(client, "/generate", query.encode())
    assert status == 422
    assert quoted in body["error"]["message"]
    encoded = quote(query, safe="=&")
    assert (
        client.post(f"/generate?{encoded}").json()["error"]["message"] == body["error"]["message"]
    )


def test_the_protocol_and_the_operations_take_query_parameters_they_do_not_use(
    client: Client,
) -> None:
    """Open Inference Protocol clients and scrapers may add their own: those routes keep FastAPI's
    leniency."""
    assert client.get("/v2/health/ready", params={"client": "x"}).status_code == 200
    assert client.get("/metrics", params={"name[]": "ccvae_requests_total"}).status_code == 200
    assert client.get("/health/ready", params={"probe": "1"}).status_code == 200


@pytest.mark.parametrize(
    ("method", "path"),
    [("GET", "/health/live/"), ("POST", "/classify/"), ("GET", "/docs/"),
     ("GET", "/v2/models/encoder/"), ("POST", "/v2/models/encoder/infer/")],
)  # fmt: skip
def test_a_trailing_slash_is_404_naming_the_endpoint_without_it(
    client: Client, method: str, path: str
) -> None:
    """Starlette redirected it to a URL made of the request's own Host header, which a cache in
    front could keep and hand to everyone; no answer here takes its Location from a request."""
    response = client.request(method, path, headers={"host": "evil.example"})
    assert response.status_code == 404, response.headers.get("location")
    assert "location" not in response.headers
    error = response.json()["error"]
    message = error if path.startswith("/v2") else error["message"]
    assert message.endswith(f"; {path.rstrip('/')!r} is (without the trailing slash)")


def test_a_path_unknown_with_or_without_its_slash_is_a_plain_404(client: Client) -> None:
    message = client.get("/nowhere/").json()["error"]["message"]
    assert message == "Not Found: '/nowhere/' is not an endpoint of this service"


def test_service_still_answers_after_the_bad_requests(client: Client) -> None:
    for method, url, kwargs, *_ in CASES:
        client.request(method, url, **kwargs)
    assert client.get("/health/ready").status_code == 200
    assert client.post("/classify", files={"file": ("d.png", GOOD)}).json()["label"] == 1


def test_streamed_body_over_the_limit_gets_413(client: Client) -> None:
    async def chunks() -> AsyncIterator[bytes]:
        yield b'--b\r\nContent-Disposition: form-data; name="file"; filename="x.png"\r\n\r\n'
        for _ in range(11):
            yield b"\0" * 2**20

    response = client.post(
        "/classify", content=chunks(), headers={"content-type": "multipart/form-data; boundary=b"}
    )
    assert "content-length" not in response.request.headers
    assert response.status_code == 413, response.text
    assert response.json()["error"]["type"] == "payload_too_large"
    assert client.get("/health/ready").status_code == 200


GZIPPED = gzip.compress(GOOD)


@pytest.mark.parametrize(
    ("url", "kwargs"),
    [
        ("/classify", {"content": GZIPPED, "headers": {"content-type": "image/png"}}),
        ("/encode", {"files": {"file": ("d.png", GOOD)}}),
        ("/intervene?label=3", {"files": {"file": ("d.png", GOOD)}}),
        ("/interpolate/images", {"files": {"start_image": ("a", GOOD), "end_image": ("b", GOOD)}}),
    ],
    ids=["raw", "multipart", "intervene", "two-images"],
)
@pytest.mark.parametrize("coding", ["gzip", "br", "GZIP", "identity, gzip"])
def test_a_content_coded_body_is_415_naming_the_coding_the_service_reads(
    client: Client, url: str, kwargs: dict[str, Any], coding: str
) -> None:
    """Every reader takes the body's bytes as they are: a compressed body is refused as such,
    before any route runs, not misread as a broken image."""
    headers = {**kwargs.pop("headers", {}), "content-encoding": coding}
    response = client.post(url, headers=headers, **kwargs)
    assert response.status_code == 415, response.text
    assert response.headers["accept-encoding"] == "identity"
    error = response.json()["error"]
    assert error["type"] == "unsupported_media_type"
    assert f"Content-Encoding {coding!r} is not supported" in error["message"]
    assert client.get("/health/ready").status_code == 200


@pytest.mark.parametrize("lines", [("gzip", "identity"), ("identity", "gzip")])
def test_content_encoding_lines_are_read_as_one_list(
    client: Client, lines: tuple[str, ...]
) -> None:
    """Several Content-Encoding lines are one list (RFC 9110, 5.3): a coding on any of them
    refuses the body, not only one on the last line."""
    headers = [("content-type", "image/png"), *(("content-encoding", line) for line in lines)]
    response = client.post("/classify", content=GOOD, headers=headers)
    assert response.status_code == 415, response.text
    assert repr(", ".join(lines)) in response.json()["error"]["message"]


@pytest.mark.parametrize(
    ("url", "types"),
    [("/classify", ("image/png", "application/json")), ("/classify", ("image/png", "image/jpeg")),
     ("/v2/models/encoder/infer", ("application/json", "text/plain"))],
)  # fmt: skip
def test_a_content_type_given_twice_with_different_values_is_400(
    client: Client, url: str, types: tuple[str, str]
) -> None:
    """Readers here take the first line, and a proxy in front may have read the last: a body of
    two types is refused, whichever endpoint it is sent to."""
    headers = [("content-type", kind) for kind in types]
    response = client.post(url, content=GOOD, headers=headers)
    assert response.status_code == 400, response.text
    error = response.json()["error"]
    message = error if url.startswith("/v2") else error["message"]
    assert message == f"Content-Type given 2 times ({list(types)!r}): send it once"


def test_a_header_repeated_with_one_value_is_read_as_it_is(client: Client) -> None:
    headers = [("content-type", "image/png"), ("content-type", "image/png"), ("accept", "a")]
    response = client.post("/classify", content=GOOD, headers=[*headers, ("accept", "b")])
    assert response.status_code == 200, response.text


@pytest.mark.parametrize("coding", ["gzip, chunked", "br, chunked", "GZIP"])
def test_a_transfer_coding_other_than_chunked_is_400_naming_it(client: Client, coding: str) -> None:
    """granian and uvicorn undo chunked alone and pass a body gzipped in transit on as it is,
    which was refused as no image."""
    headers = {"content-type": "image/png", "transfer-encoding": coding}
    response = client.post("/classify", content=gzip.compress(GOOD), headers=headers)
    assert response.status_code == 400, response.text
    error = response.json()["error"]
    assert error["type"] == "bad_request"
    assert f"Transfer-Encoding {coding!r} is not supported" in error["message"]


@pytest.mark.parametrize("coding", ["chunked", "identity", "Chunked"])
def test_a_chunked_body_is_read_as_it_is(client: Client, coding: str) -> None:
    headers = {"content-type": "image/png", "transfer-encoding": coding}
    response = client.post("/classify", content=GOOD, headers=headers)
    assert response.status_code == 200, response.text


@pytest.mark.parametrize("coding", ["identity", "Identity", ""])
def test_an_identity_coded_body_is_read_as_it_is(client: Client, coding: str) -> None:
    response = client.post("/classify", files={"file": ("d.png", GOOD)},
                           headers={"content-encoding": coding})  # fmt: skip
    assert response.status_code == 200, response.text
    assert response.json()["label"] == 1


def test_a_declared_empty_body_may_name_a_coding(client: Client) -> None:
    response = client.post("/generate?label=7", headers={"content-encoding": "gzip"})
    assert response.request.headers["content-length"] == "0"
    assert response.status_code == 200, response.text


FILES = ["/", "/web/app.js", "/static-offline-docs/swagger-ui.css"]
RANGES = ["bytes=0-9", "bytes=5-1", "bytes=999999999-", "items=0-1", "bytes=", "bytes=0-1,4-5"]


@pytest.mark.parametrize("path", FILES)
@pytest.mark.parametrize("asked", RANGES)
def test_a_served_file_comes_whole_whatever_range_is_asked(
    client: Client, path: str, asked: str
) -> None:
    """The page, its assets and the API docs' files ignore Range (RFC 9110, 14.2), where a
    range Starlette could not parse or satisfy was a plain-text 400 or 416."""
    whole = client.get(path)
    assert whole.status_code == 200
    response = client.get(path, headers={"Range": asked})
    assert response.status_code == 200, response.text[:200]
    assert response.content == whole.content
    assert "content-range" not in response.headers


def handshake(client: Client, path: str, extensions: dict[str, object]) -> list[dict[str, Any]]:
    """What the app sends to a WebSocket handshake on `path`, from a server that offers
    `extensions` (granian and uvicorn offer ASGI's denial response, `websocket.http.response`)."""
    connect = {"type": "websocket.connect"}
    return client.connection(connect, type="websocket", scheme="ws", path=path, subprotocols=[],
                             extensions=extensions)  # fmt: skip


@pytest.mark.parametrize("path", ["/classify", "/nowhere", "/v2/models/encoder/infer"])
def test_a_websocket_handshake_is_refused_with_the_json_400_of_its_path(
    client: Client, path: str
) -> None:
    """No endpoint speaks WebSocket; Starlette's router closed every handshake, which the server
    answers with an empty 403."""
    start, body = handshake(client, path, {"websocket.http.response": {}})
    assert start["type"] == "websocket.http.response.start" and start["status"] == 400
    assert (b"content-type", b"application/json") in start["headers"]
    error = json.loads(body["body"])["error"]
    message = error if path.startswith("/v2") else error["message"]
    assert message.startswith(f"{path!r} takes no WebSocket connection")
    if not path.startswith("/v2"):
        assert (b"x-request-id", error["request_id"].encode()) in start["headers"]


def test_a_websocket_handshake_is_closed_where_the_server_cannot_send_a_refusal(
    client: Client,
) -> None:
    assert handshake(client, "/classify", {}) == [{"type": "websocket.close", "code": 1008}]


def test_a_refused_websocket_handshake_is_counted_as_the_get_it_is(client: Client) -> None:
    series = {"endpoint": "/classify", "method": "GET", "status": "400"}
    before = value(client.get("/metrics").text, "ccvae_requests_total", **series)
    handshake(client, "/classify", {"websocket.http.response": {}})
    assert value(client.get("/metrics").text, "ccvae_requests_total", **series) == before + 1


@pytest.mark.parametrize(
    ("headers", "status"),
    [([("content-encoding", "gzip")], 415), ([("transfer-encoding", "gzip, chunked")], 400),
     ([("content-type", "image/png"), ("content-type", "text/plain")], 400)],
    ids=["content-coded", "transfer-coded", "two-content-types"],
)  # fmt: skip
def test_every_operation_documents_the_refusals_that_come_before_routing(
    client: Client, headers: list[tuple[str, str]], status: int
) -> None:
    """The body's checks run before any route, whatever the method: a GET that carries a
    compressed body is refused too, and its operation says it may be."""
    document = client.get("/openapi.json").json()
    for path, item in document["paths"].items():
        url = path.replace("{name}", "encoder").replace("{version}", "1")
        for method, operation in item.items():
            response = client.request(method, url, headers=headers, content=b"x")
            assert response.status_code == status, (method, path, response.text)
            documented = operation["responses"]
            assert str(status) in documented or "4XX" in documented, (method, path)
