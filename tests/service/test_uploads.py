"""Image uploads: the raw-body form on every one-image endpoint, and the multipart parser."""

from __future__ import annotations

import numpy as np
import pytest

from service.errors import MalformedBody, PayloadTooLarge
from service.uploads import boundary_of, header_params, parse_multipart
from tests.service.conftest import Client, assert_clean_4xx, png

GOOD = png(np.pad(np.full((16, 4), 255, np.uint8), ((6, 6), (12, 12))))  # a "1"
ONE_IMAGE = ("/classify", "/encode", "/reconstruct", "/intervene?label=3")


def multipart_body(files: list[tuple[str, str | None, bytes]], boundary: str) -> bytes:
    """A body as browsers write it: (field, filename or None for a text field, data)."""
    out = b""
    for name, filename, data in files:
        disposition = f'form-data; name="{name}"'
        if filename is not None:
            disposition += f'; filename="{filename}"'
        out += f"--{boundary}\r\nContent-Disposition: {disposition}\r\n".encode()
        out += b"Content-Type: image/png\r\n" if filename else b""
        out += b"\r\n" + data + b"\r\n"
    return out + f"--{boundary}--\r\n".encode()


@pytest.mark.parametrize("path", ONE_IMAGE)
def test_raw_png_body_answers_as_the_multipart_upload_does(
    client: Client, mnist: tuple[np.ndarray, np.ndarray], path: str
) -> None:
    digit = png(mnist[0][0])
    raw = client.post(path, content=digit, headers={"content-type": "image/png"})
    form = client.post(path, files={"file": ("d.png", digit)})
    assert raw.status_code == form.status_code == 200, raw.text
    assert raw.headers["content-type"] == form.headers["content-type"]
    assert raw.content == form.content


def test_raw_jpeg_body_is_classified(client: Client, mnist: tuple[np.ndarray, np.ndarray]) -> None:
    digits, labels = mnist
    jpeg = png(digits[0], format="JPEG", quality=95)
    response = client.post("/classify", content=jpeg, headers={"content-type": "image/jpeg"})
    assert response.status_code == 200, response.text
    assert response.json()["label"] == int(labels[0])


@pytest.mark.parametrize(
    ("kwargs", "status", "kind", "words"),
    [
        ({"content": b"", "headers": {"content-type": "image/png"}},
         400, "invalid_image", "empty image/png body"),
        ({"content": b"GIF89a....", "headers": {"content-type": "image/png"}},
         400, "invalid_image", "not a PNG or JPEG"),
        ({"content": b"\x89PNG\r\n", "headers": {"content-type": "image/gif"}},
         415, "unsupported_media_type", "image/gif"),
        ({"content": b"x", "headers": {"content-type": "text/plain"}},
         415, "unsupported_media_type", "raw image/png or image/jpeg body"),
        ({"files": [("file", ("a.png", b"1")), ("file", ("b.png", b"2"))]},
         422, "invalid_request", "expected one file, got 2"),
    ],
)  # fmt: skip
def test_bad_raw_and_one_file_uploads_get_their_4xx(
    client: Client, kwargs: dict[str, object], status: int, kind: str, words: str
) -> None:
    assert_clean_4xx(client, "POST", "/encode", kwargs, status, kind, words)


@pytest.mark.parametrize(
    ("path", "fields", "takes"),
    [
        ("/classify", {"file": ("d.png", GOOD), "other": ("o.png", GOOD)}, "file"),
        ("/encode", {"fille": ("d.png", GOOD)}, "file"),
        ("/intervene?label=3", {"file": ("d.png", GOOD), "note": (None, b"x")}, "file"),
        ("/interpolate/images",
         {"start_image": ("a.png", GOOD), "end_image": ("b.png", GOOD), "mid": ("m.png", GOOD)},
         "start_image, end_image"),
    ],
)  # fmt: skip
def test_a_field_the_upload_does_not_take_is_422_naming_it_and_those_it_takes(
    client: Client, path: str, fields: dict[str, tuple[str | None, bytes]], takes: str
) -> None:
    """A misspelt or extra field was ignored: the answer was for the other fields alone, or
    said that the field meant was missing."""
    extra = next(name for name in fields if name not in takes.split(", "))
    message = f"{extra}: not a field of this upload, which takes {takes}"
    assert_clean_4xx(client, "POST", path, {"files": fields}, 422, "invalid_request", message)


def test_a_long_field_name_is_quoted_short(client: Client) -> None:
    error = client.post("/classify", files={"x" * 1000: ("d.png", GOOD)}).json()["error"]
    assert error["message"].startswith("'xxxxx")
    assert "(1000 characters): not a field of this upload, which takes file" in error["message"]
    assert len(error["message"]) < 200


def test_openapi_documents_both_upload_forms_on_one_image_endpoints(client: Client) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    for path in ONE_IMAGE:
        content = paths[path.split("?")[0]]["post"]["requestBody"]["content"]
        assert set(content) == {"multipart/form-data", "image/png", "image/jpeg"}
        assert content["multipart/form-data"]["schema"]["required"] == ["file"]
    classify = paths["/classify"]["post"]["requestBody"]["content"]["multipart/form-data"]
    assert classify["schema"]["properties"]["file"]["type"] == "array"


def test_parser_reads_files_and_text_fields_in_order() -> None:
    body = multipart_body([("file", "a.png", b"A\r\nB--"), ("note", None, b"hi")], "xyz")
    parts = parse_multipart(body, b"xyz")
    assert [(p.name, p.filename, p.data) for p in parts] == [
        ("file", "a.png", b"A\r\nB--"),
        ("note", None, b"hi"),
    ]


def test_parser_ignores_preamble_and_epilogue() -> None:
    body = b"preamble\r\n" + multipart_body([("file", "a", b"1")], "b")
    assert [p.data for p in parse_multipart(body + b"epilogue", b"b")] == [b"1"]


def test_parser_unescapes_quoted_and_rfc5987_filenames() -> None:
    body = (
        b'--b\r\nContent-Disposition: form-data; name="file"; filename="a \\"q\\".png"\r\n\r\n1\r\n'
        b"--b\r\nContent-Disposition: form-data; name=file; "
        b"filename*=UTF-8''%C3%A9.png\r\n\r\n2\r\n"
        b"--b--"
    )
    assert [p.filename for p in parse_multipart(body, b"b")] == ['a "q".png', "é.png"]


@pytest.mark.parametrize(
    ("body", "words"),
    [
        (b"no parts here", "no part starts with the boundary"),
        (b'--b\r\nContent-Disposition: form-data; name="f"\r\n\r\ndata', "closing boundary"),
        (b"--b\r\n\r\ndata\r\n--b--", "without a 'Content-Disposition: form-data"),
        (b"--b\r\nContent-Type: image/png\r\n\r\nx\r\n--b--", "Content-Disposition"),
        (b"--b\r\nContent-Disposition: attachment; name=f\r\n\r\nx\r\n--b--", "form-data"),
        (b"--bjunk\r\n", "cannot be read"),
        (b"--b  \r\nContent-Disposition: form-data; name=f\r\n\r\nx\r\n--b--", "cannot be read"),
    ],
)
def test_parser_refuses_what_it_cannot_read_and_says_why(body: bytes, words: str) -> None:
    with pytest.raises(MalformedBody, match=words):
        parse_multipart(body, b"b")


def test_parser_caps_the_number_of_parts() -> None:
    body = multipart_body([("f", None, b"")] * 1001, "b")
    with pytest.raises(PayloadTooLarge, match="1000 parts"):
        parse_multipart(body, b"b")


def test_boundary_and_parameters_are_read_from_the_content_type() -> None:
    assert boundary_of('multipart/form-data; boundary="a b;c"') == b"a b;c"
    assert boundary_of("multipart/form-data; charset=utf-8; BOUNDARY=xyz") == b"xyz"
    assert header_params('form-data; name="f"; filename=x.png') == {
        "name": "f",
        "filename": "x.png",
    }
    for bad in ("multipart/form-data", "multipart/form-data; boundary=" + "x" * 71):
        with pytest.raises(MalformedBody, match="boundary"):
            boundary_of(bad)
