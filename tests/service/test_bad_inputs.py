"""A corpus of hostile and odd inputs beyond test_errors.py: each gets its 4xx, none a 500.

Pictures broken in new ways (no pixel data, a bad checksum, real compressed bombs, JPEG headers
that lie about their size, pictures too small to hold a digit), numbers that are not numbers
(NaN, Infinity, 10^30, 5000-digit labels, false for a seed) and bodies of the wrong kind. Two
were 500s before (a 2x1 picture, all border and so read as noise; a label of 5000 digits, which
int() refuses) and one was taken for valid (JSON false as seed 0, found by bench/fuzz.py). Issue
13 added the pictures that Pillow fails on in other ways than OSError (a chunk after the pixel
data, malformed EXIF beside a rotation), and the sizes that cost too much although few bytes.
The last table puts a value of 10,000 characters (or items) in each field a refusal quotes: the
message names it cut short, where some fields came back whole, as large as the request.
"""

from __future__ import annotations

import io
import struct
import zlib
from typing import Any

import numpy as np
import pytest
from PIL import Image

from bench.costs import png_header
from tests.service.conftest import Client, assert_clean_4xx, png
from tests.service.test_errors import DIGIT, GOOD

JSON = {"content-type": "application/json"}
JPEG = png(np.asarray(Image.fromarray(DIGIT).convert("RGB")), format="JPEG")


def with_bad_checksum(data: bytes) -> bytes:
    """The PNG with one byte of its pixel data flipped, so the chunk's CRC no longer matches."""
    at = data.index(b"IDAT") + 4
    return data[:at] + bytes([data[at] ^ 0xFF]) + data[at + 1 :]


def jpeg_claiming(width: int, height: int) -> bytes:
    """A real JPEG whose frame header (SOF0) declares another size."""
    at = JPEG.index(b"\xff\xc0") + 5
    return JPEG[:at] + struct.pack(">HH", height, width) + JPEG[at + 4 :]


def upload(data: bytes, name: str = "x.png", **params: str) -> dict[str, Any]:
    return {"files": {"file": (name, data)}, "params": params}


def chunk(kind: bytes, data: bytes) -> bytes:
    """A PNG chunk: length, type, data and CRC."""
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def with_chunk_after_idat(data: bytes, kind: bytes, content: bytes) -> bytes:
    """The PNG with one more chunk just before IEND (after the pixel data)."""
    at = data.index(b"IEND") - 4
    return data[:at] + chunk(kind, content) + data[at:]


def jpeg_with_exif(tag_type: int, value: bytes) -> bytes:
    """A real JPEG whose EXIF says "rotate 90°" and holds an XResolution of a wrong type."""
    entries = [(0x0112, 3, 1, b"\x00\x06\x00\x00"), (0x011A, tag_type, 1, value)]
    exif = b"Exif\x00\x00MM\x00*\x00\x00\x00\x08" + struct.pack(">H", len(entries))
    exif += b"".join(struct.pack(">HHI", *entry[:3]) + entry[3] for entry in entries)
    buffer = io.BytesIO()
    Image.fromarray(DIGIT).convert("RGB").save(buffer, "JPEG", exif=exif + b"\x00" * 4)
    return buffer.getvalue()


def many(*images: bytes) -> dict[str, Any]:
    return {"files": [("file", (f"{i}.png", data)) for i, data in enumerate(images)]}


# (name, method, url, request keyword arguments, status, error type, words the message contains)
CASES: list[tuple[str, str, str, dict[str, Any], int, str, str]] = [
    ("1x1 white", "POST", "/classify", upload(png(np.full((1, 1), 255, np.uint8))),
     400, "invalid_image", "blank"),
    ("1x1 black", "POST", "/classify", upload(png(np.zeros((1, 1), np.uint8))),
     400, "invalid_image", "blank"),
    ("2x1, all border", "POST", "/classify", upload(png(np.array([[0, 255]], np.uint8))),
     400, "invalid_image", "nothing stands out"),
    ("1x1, fit=false", "POST", "/reconstruct", upload(png(np.ones((1, 1), np.uint8)), fit="false"),
     400, "invalid_image", "needs the model's 28x28"),
    ("PNG without pixel data", "POST", "/classify", upload(png_header(28, 28)),
     400, "invalid_image", "truncated or corrupt"),
    ("PNG with a bad checksum", "POST", "/encode", upload(with_bad_checksum(GOOD)),
     400, "invalid_image", "truncated or corrupt"),
    ("truncated JPEG", "POST", "/classify", upload(JPEG[:200], "x.jpg"),
     400, "invalid_image", "truncated or corrupt"),
    ("compressed bomb, just over the limit", "POST", "/classify",
     upload(png(np.zeros((4096, 4097), np.uint8))), 413, "payload_too_large", "bomb"),
    ("JPEG claiming 60000x60000", "POST", "/intervene",
     {**upload(jpeg_claiming(60000, 60000), "x.jpg"), "params": {"label": "3"}},
     413, "payload_too_large", "bomb"),
    ("NaN temperature in a JSON body", "POST", "/generate",
     {"content": b'{"label": "7", "temperature": NaN}', "headers": JSON},
     415, "unsupported_media_type", "in the query string, not a body"),
    ("nan temperature in the query", "POST", "/generate",
     {"params": {"label": "7", "temperature": "nan"}}, 422, "invalid_request", "'nan'"),
    ("n = 10^30 in the query", "POST", "/generate", {"params": {"label": "7", "n": str(10**30)}},
     422, "invalid_parameter", "out of range"),
    ("n = 1e3", "POST", "/generate", {"params": {"label": "7", "n": "1e3"}},
     422, "invalid_request", "'1e3'"),
    ("steps = 10^30", "POST", "/interpolate",
     {"params": {"start_label": "1", "end_label": "2", "steps": str(10**30)}},
     422, "invalid_parameter", "out of range"),
    ("seed = 2^64", "POST", "/generate", {"params": {"label": "7", "seed": str(2**64)}},
     422, "invalid_request", "seed"),
    ("label of 5000 digits", "POST", "/generate", {"params": {"label": "7" * 5000}},
     422, "invalid_parameter", "(5000 characters)"),
    ("full-width digit label", "POST", "/generate", {"params": {"label": "７"}},
     422, "invalid_parameter", "'７'"),
    ("multipart to /generate", "POST", "/generate", {"params": {"label": "7"}, **upload(GOOD)},
     415, "unsupported_media_type", "multipart/form-data"),
    ("JSON to /reconstruct", "POST", "/reconstruct", {"json": {"file": "x.png"}},
     415, "unsupported_media_type", "application/json"),
    ("form-urlencoded to /classify", "POST", "/classify", {"data": {"file": "x.png"}},
     415, "unsupported_media_type", "x-www-form-urlencoded"),
    ("multipart without a boundary", "POST", "/classify",
     {"content": b"--x\r\n", "headers": {"content-type": "multipart/form-data"}},
     400, "bad_request", "boundary"),
    ("multipart that is not", "POST", "/classify",
     {"content": b"no parts here", "headers": {"content-type": "multipart/form-data; boundary=z"}},
     400, "bad_request", "multipart"),
    ("file sent as a text field", "POST", "/classify",
     {"data": {"file": "x"}, "files": {"file": ("", b"")}},
     422, "invalid_request", "expected a file upload"),
    # issue 13: whatever Pillow raises inside decoding is an invalid image, never a 500
    ("PNG with an empty iCCP chunk after IDAT (IndexError)", "POST", "/classify",
     upload(with_chunk_after_idat(GOOD, b"iCCP", b"")), 400, "invalid_image", "IndexError"),
    ("JPEG, EXIF rotation and a malformed tag (struct.error)", "POST", "/classify",
     upload(jpeg_with_exif(6, b"\xff" * 4), "x.jpg"), 400, "invalid_image", "truncated or corrupt"),
    ("JPEG, EXIF rotation and a malformed tag (TypeError)", "POST", "/encode",
     upload(jpeg_with_exif(1, b"\x00" * 4), "x.jpg"), 400, "invalid_image", "TypeError"),
    ("JPEG, EXIF rotation and a malformed tag (ValueError)", "POST", "/reconstruct",
     upload(jpeg_with_exif(11, b"\xff" * 4), "x.jpg"), 400, "invalid_image", "ValueError"),
    # issue 13: sizes refused from the header, before any pixel is decoded
    ("PNG of 16,777,216 x 1", "POST", "/classify", upload(png_header(2**24, 1)),
     413, "payload_too_large", "16777216 pixels exceeds the limit of 4194304"),
    ("PNG of 65,536 x 1 (few pixels, one long side)", "POST", "/classify",
     upload(png_header(2**16, 1)), 413, "payload_too_large", "side over the limit of 4096"),
    ("PNG of 4096 x 4096 RGBA", "POST", "/classify",
     upload(png(np.zeros((4096, 4096, 4), np.uint8))), 413, "payload_too_large", "4096x4096"),
    ("four PNGs of 16,777,216 x 1", "POST", "/classify", many(*[png_header(2**24, 1)] * 4),
     413, "payload_too_large", "declare 67108864 pixels in all"),
    ("two PNGs of 2048 x 2048, over the request's pixels", "POST", "/classify",
     many(*[png_header(2048, 2048)] * 2), 413, "payload_too_large", "the limit is 4194304"),
]  # fmt: skip


@pytest.mark.parametrize("case", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_bad_input_gets_its_4xx_and_the_service_stays_ready(
    client: Client, case: tuple[Any, ...]
) -> None:
    """`case`: method, URL, request arguments, status, error type, words of the message."""
    assert_clean_4xx(client, *case)


@pytest.mark.parametrize("mode", [None, "I;16"])
def test_sixteen_bit_png_reads_as_its_eight_bit_twin(client: Client, mode: str | None) -> None:
    wide = DIGIT.astype(np.uint16) * 257  # 0..65535, the same picture
    eight = client.post("/classify", files={"file": ("8.png", GOOD)}).json()
    sixteen = client.post("/classify", files={"file": ("16.png", png(wide, mode))}).json()
    assert sixteen["label"] == eight["label"]
    np.testing.assert_allclose(sixteen["probabilities"], eight["probabilities"], atol=1e-5)


LONG = "x" * 10_000  # a URL holds at most 65,536 characters (httpx)
INFER = "/v2/models/decoder/infer"


def tensor(**fields: Any) -> dict[str, Any]:
    """A decoder input, valid but for the fields given."""
    return {"name": "z", "shape": [1, 32], "datatype": "FP32", "data": [0.0] * 32, **fields}


# (name, method, URL, request keyword arguments): each puts LONG (a part's headers: 2,000 of its
# characters, python-multipart's limit being 8 kB), or a list of 10,000 items, where the refusal's
# message quotes it
QUOTED: list[tuple[str, str, str, dict[str, Any]]] = [
    ("a label", "POST", "/generate", {"params": {"label": LONG}}),
    ("a query integer", "POST", "/generate", {"params": {"label": "7", "n": LONG}}),
    ("an unknown path", "GET", "/" + LONG, {}),
    ("a method on a path", "DELETE", "/v2/models/" + LONG, {}),
    ("an upload's content type", "POST", "/classify",
     {"content": b"x", "headers": {"content-type": "text/" + LONG}}),
    ("a multipart boundary", "POST", "/classify",
     {"content": b"x", "headers": {"content-type": "multipart/form-data; boundary=" + LONG}}),
    ("a part's disposition", "POST", "/classify",
     {"content": f"--b\r\nContent-Disposition: {LONG[:2000]}\r\n\r\nx\r\n--b--\r\n".encode(),
      "headers": {"content-type": "multipart/form-data; boundary=b"}}),
    ("a file's name, one of several", "POST", "/classify",
     {"files": [("file", (LONG[:2000], b"no image")), ("file", ("b.png", GOOD))]}),
    ("a body where parameters belong", "POST", "/generate?label=7",
     {"content": b"x", "headers": {"content-type": "text/" + LONG}}),
    ("a /v2 model name", "GET", "/v2/models/" + LONG, {}),
    ("a /v2 version", "GET", "/v2/models/decoder/versions/" + LONG, {}),
    ("a /v2 input name", "POST", INFER, {"json": {"inputs": [tensor(name=LONG)]}}),
    ("a /v2 input name, over the rows", "POST", INFER,
     {"json": {"inputs": [tensor(name=LONG, shape=[10**9, 32])]}}),
    ("10,000 /v2 input names", "POST", INFER, {"json": {"inputs": [tensor()] * 10_000}}),
    ("a /v2 datatype", "POST", INFER, {"json": {"inputs": [tensor(datatype=LONG)]}}),
    ("a /v2 shape of 10,000 axes", "POST", INFER,
     {"json": {"inputs": [tensor(shape=[1] * 10_000)]}}),
    ("a string in /v2 data", "POST", INFER, {"json": {"inputs": [tensor(data=[LONG] * 32)]}}),
    ("a /v2 field of the wrong type", "POST", INFER, {"json": {"inputs": [tensor(shape=LONG)]}}),
    ("a /v2 output name", "POST", INFER,
     {"json": {"inputs": [tensor()], "outputs": [{"name": LONG}]}}),
    ("a /v2 binary_data_output", "POST", INFER,
     {"json": {"inputs": [tensor()], "parameters": {"binary_data_output": LONG}}}),
    ("a /v2 binary_data", "POST", INFER,
     {"json": {"inputs": [tensor()],
               "outputs": [{"name": "image", "parameters": {"binary_data": LONG}}]}}),
    ("a /v2 timeout", "POST", INFER,
     {"json": {"inputs": [tensor()], "parameters": {"timeout": LONG}}}),
    ("a content coding", "POST", "/classify",
     {"content": b"x", "headers": {"content-encoding": LONG}}),
    ("a /v2 binary_data_size", "POST", INFER,
     {"json": {"inputs": [{**tensor(data=None),
                           "parameters": {"binary_data_size": [1] * 10_000}}]}}),
]  # fmt: skip


@pytest.mark.parametrize("case", [c[1:] for c in QUOTED], ids=[c[0] for c in QUOTED])
def test_a_refusal_quotes_what_the_request_sent_cut_short(
    client: Client, case: tuple[Any, ...]
) -> None:
    """Messages name the offending value, but no longer echo all of it: a 10,000-character
    value comes back as its first and last characters and its length, whatever field held it."""
    method, url, kwargs = case
    response = client.request(method, url, **kwargs)
    assert 400 <= response.status_code < 500, response.text[:300]
    assert len(response.content) < 1_000, response.text[:300]
    body = response.json()["error"]
    message = body if isinstance(body, str) else body["message"]
    assert "xxx...xxx" in message or ", ...]" in message, message
    assert client.get("/health/ready").status_code == 200
