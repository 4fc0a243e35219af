"""Image uploads: a raw `image/png` / `image/jpeg` body, or multipart/form-data file fields.

The raw body is the cheapest upload there is (`curl --data-binary @digit.png`); multipart is what
browsers and `curl -F` send. Every endpoint reads its uploads here, through one path: the body is
read whole (`BodyLimit` caps it) and fed to python-multipart's parser, the one under Starlette's
forms, without Starlette's spooled temporary files. A hand-written parser was measured against it
(docs/benchmarks.md, "One upload path") and its lead was within the noise, so the library's
parser stays. Anything it cannot read is a 400 saying why.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote

from python_multipart.multipart import MultipartParseError, MultipartParser
from starlette.requests import Request

from service.errors import (
    InvalidImage,
    MalformedBody,
    PayloadTooLarge,
    UnsupportedMediaType,
    UploadFields,
    named,
    shown,
)
from service.settings import Settings

IMAGE_MEDIA_TYPES = ("image/png", "image/jpeg")
MAX_PARTS = 1000
"""Most parts in one multipart body, files or not (Starlette's own default for fields)."""
CALLBACKS = ("on_part_begin", "on_header_field", "on_header_value", "on_header_end",
             "on_part_data", "on_part_end", "on_end")  # fmt: skip

_PARAM = re.compile(r';\s*([^\s=;]+)\s*=\s*("(?:[^"\\]|\\.)*"|[^;]*)')


@dataclass(frozen=True)
class Part:
    """One part of a multipart/form-data body."""

    name: str
    filename: str | None  # None: a text field, not a file
    data: bytes


def media_type(content_type: str) -> str:
    """`image/PNG; q=1` -> `image/png`."""
    return content_type.split(";", 1)[0].strip().lower()


def header_params(value: str) -> dict[str, str]:
    """The `; key=value` parameters of a header, keys lower-cased, quoted values unescaped."""
    params: dict[str, str] = {}
    for key, raw in _PARAM.findall(value):
        raw = raw.strip()
        if len(raw) >= 2 and raw[0] == raw[-1] == '"':
            raw = re.sub(r"\\(.)", r"\1", raw[1:-1])
        params[key.lower()] = raw
    return params


def boundary_of(content_type: str) -> bytes:
    """The boundary a multipart content type declares (RFC 2046: 1 to 70 characters)."""
    boundary = header_params(content_type).get("boundary", "")
    if not 1 <= len(boundary) <= 70 or not boundary.isascii():
        raise MalformedBody(
            f"multipart/form-data without a valid boundary parameter: {shown(content_type, 80)}"
        )
    return boundary.encode("ascii")


def disposition(value: bytes) -> tuple[str, str | None]:
    """Field name and filename from a part's `Content-Disposition: form-data; ...` value."""
    text = value.decode("utf-8", "replace")
    params = header_params(text)
    if media_type(text) != "form-data" or "name" not in params:
        raise MalformedBody(
            "multipart part without a 'Content-Disposition: form-data; name=...' header "
            f"(got {shown(text, 80)})"
        )
    filename = params.get("filename")
    extended = params.get("filename*", "")
    if extended.lower().startswith("utf-8''"):  # RFC 5987, as some clients send it
        filename = unquote(extended[7:])
    return params["name"], filename


class _Collector:
    """python-multipart's callbacks, gathering each part's headers and data."""

    def __init__(self) -> None:
        self.parts: list[Part] = []
        self.headers: dict[bytes, bytes] = {}
        self.field: list[bytes] = []
        self.value: list[bytes] = []
        self.data: list[bytes] = []
        self.ended = False

    def on_part_begin(self) -> None:
        if len(self.parts) == MAX_PARTS:
            raise PayloadTooLarge(f"more than {MAX_PARTS} parts in one multipart body")
        self.headers, self.data = {}, []

    def on_header_field(self, buffer: bytes, start: int, end: int) -> None:
        self.field.append(buffer[start:end])

    def on_header_value(self, buffer: bytes, start: int, end: int) -> None:
        self.value.append(buffer[start:end])

    def on_header_end(self) -> None:
        self.headers[b"".join(self.field).strip().lower()] = b"".join(self.value)
        self.field, self.value = [], []

    def on_part_data(self, buffer: bytes, start: int, end: int) -> None:
        self.data.append(buffer[start:end])

    def on_part_end(self) -> None:
        name, filename = disposition(self.headers.get(b"content-disposition", b""))
        self.parts.append(Part(name, filename, b"".join(self.data)))

    def on_end(self) -> None:
        self.ended = True


def parse_multipart(body: bytes, boundary: bytes) -> list[Part]:
    """Every part of a multipart/form-data body, in order, read by python-multipart's parser."""
    delimiter = b"--" + boundary
    if not body.startswith(delimiter):  # a preamble before the first delimiter is ignored
        found = body.find(b"\r\n" + delimiter)
        if found < 0:
            raise MalformedBody(
                f"not a multipart body: no part starts with the boundary {boundary.decode()!r}"
            )
        body = body[found + 2 :]
    collector = _Collector()
    callbacks = {name: getattr(collector, name) for name in CALLBACKS}
    try:
        parser = MultipartParser(boundary, callbacks)  # type: ignore[arg-type]
        parser.write(body)
        parser.finalize()
    except MultipartParseError as e:
        raise MalformedBody(f"multipart body cannot be read: {e}") from None
    if not collector.ended:
        raise MalformedBody("multipart body ends without its closing boundary")
    return collector.parts


def upload_body(field: str, description: str, *, many: bool) -> dict[str, Any]:
    """The OpenAPI request body of an image endpoint: multipart `field`, or the raw image."""
    binary = {"type": "string", "format": "binary"}
    schema: dict[str, Any] = {**binary, "description": description}
    if many:
        schema = {"type": "array", "items": binary, "minItems": 1, "description": description}
    raw = {"schema": {**binary, "description": "The image's bytes as the whole body."}}
    multipart = {
        "type": "object",
        "required": [field],
        "properties": {field: schema},
        "additionalProperties": False,  # only_fields refuses any other field
    }
    content = {"multipart/form-data": {"schema": multipart}}
    return {
        "requestBody": {
            "required": True,
            "content": {**content, **{kind: raw for kind in IMAGE_MEDIA_TYPES}},
        }
    }


def files_body(fields: dict[str, str]) -> dict[str, Any]:
    """The OpenAPI request body of required one-file multipart fields (name -> description)."""
    properties = {
        name: {"type": "string", "format": "binary", "description": description}
        for name, description in fields.items()
    }
    multipart = {
        "type": "object",
        "properties": properties,
        "required": list(fields),
        "additionalProperties": False,  # only_fields refuses any other field
    }
    return {
        "requestBody": {
            "required": True,
            "content": {"multipart/form-data": {"schema": multipart}},
        }
    }


async def read_parts(request: Request, content_type: str) -> list[Part]:
    """Every part of the request's multipart body, read whole (BodyLimit caps its size)."""
    return parse_multipart(await request.body(), boundary_of(content_type))


def only_fields(parts: list[Part], fields: tuple[str, ...]) -> None:
    """Refuse a part that no field of the endpoint names: a misspelt field would otherwise be
    ignored, and the answer say that the one it meant is missing, or not be what was asked for."""
    other = next((p.name for p in parts if p.name not in fields), None)
    if other is not None:
        takes = ", ".join(fields)
        raise UploadFields(f"{named(other)}: not a field of this upload, which takes {takes}")


def files_of(parts: list[Part], field: str, limit: int, *, many: bool) -> list[Part]:
    """The file parts named `field`: none of them a text field, and at most `limit`."""
    files = [p for p in parts if p.name == field]
    if any(p.filename is None for p in files):
        raise UploadFields(
            f"{field}: expected a file upload (a part with a filename), got a text field"
        )
    if len(files) > limit:
        if many:
            raise PayloadTooLarge(f"{len(files)} files in one request; the limit is {limit}")
        raise UploadFields(f"{field}: expected one file, got {len(files)}")
    return files


class ImageUploads:
    """FastAPI dependency: the images a request uploads, as (name, bytes), within the limits.

    `many` lets the multipart field repeat (a batch in one request); otherwise exactly one.
    """

    def __init__(self, field: str = "file", *, many: bool = False) -> None:
        self.field, self.many = field, many

    async def __call__(self, request: Request) -> list[tuple[str, bytes]]:
        content_type = request.headers.get("content-type", "")
        kind = media_type(content_type)
        if kind in IMAGE_MEDIA_TYPES:
            body = await request.body()
            if not body:
                raise InvalidImage(f"empty {kind} body: send the image's bytes as the body")
            return [("body", body)]
        if kind != "multipart/form-data":
            raise UnsupportedMediaType(
                f"expected a multipart/form-data upload (field {self.field!r}) or a raw "
                f"{' or '.join(IMAGE_MEDIA_TYPES)} body, got content type "
                f"{shown(content_type or 'none', 80)}"
            )
        settings: Settings = request.app.state.settings
        limit = settings.max_files if self.many else 1
        parts = await read_parts(request, content_type)
        only_fields(parts, (self.field,))
        files = files_of(parts, self.field, limit, many=self.many)
        if not files:
            raise UploadFields(f"{self.field}: field required (a file part named {self.field!r})")
        return [(p.filename or f"file {i}", p.data) for i, p in enumerate(files)]


class NamedImages:
    """FastAPI dependency: one image file in each of the multipart fields `fields`, as
    field -> (filename, bytes), every field required."""

    def __init__(self, *fields: str) -> None:
        self.fields = fields

    async def __call__(self, request: Request) -> dict[str, tuple[str, bytes]]:
        content_type = request.headers.get("content-type", "")
        if media_type(content_type) != "multipart/form-data":
            raise UnsupportedMediaType(
                f"expected a multipart/form-data upload (fields {', '.join(self.fields)}), "
                f"got content type {shown(content_type or 'none', 80)}"
            )
        parts = await read_parts(request, content_type)
        only_fields(parts, self.fields)
        found = {field: files_of(parts, field, 1, many=False) for field in self.fields}
        missing = [field for field, files in found.items() if not files]
        if missing:
            raise UploadFields(
                f"{', '.join(missing)}: field required (a file part named {missing[0]!r})"
            )
        return {f: (files[0].filename or f, files[0].data) for f, files in found.items()}
