"""The service with python-multipart's parser in place of the hand-written one in uploads.py.

    python -m bench.builds --build hand=. --build library=.:bench.multipart:create_app

Both parsers are fed the body already read and give the same parts; only the parser differs
between the two servers.
"""

from __future__ import annotations

from fastapi import FastAPI
from python_multipart.multipart import MultipartParseError, MultipartParser, parse_options_header

from service import uploads
from service.app import create_app as create_service
from service.uploads import MalformedBody, Part


def parse_with_library(body: bytes, boundary: bytes) -> list[Part]:
    """Every part of a multipart/form-data body, read by python-multipart's MultipartParser."""
    parts: list[Part] = []
    headers: dict[bytes, bytes] = {}
    field: list[bytes] = []
    value: list[bytes] = []
    data: list[bytes] = []
    ended: list[bool] = []

    def on_part_begin() -> None:
        headers.clear()
        data.clear()

    def on_header_field(buffer: bytes, start: int, end: int) -> None:
        field.append(buffer[start:end])

    def on_header_value(buffer: bytes, start: int, end: int) -> None:
        value.append(buffer[start:end])

    def on_header_end() -> None:
        headers[b"".join(field).lower()] = b"".join(value)
        field.clear()
        value.clear()

    def on_part_data(buffer: bytes, start: int, end: int) -> None:
        data.append(buffer[start:end])

    def on_part_end() -> None:
        _, options = parse_options_header(headers.get(b"content-disposition", b""))
        if b"name" not in options:
            raise MalformedBody("multipart part without a 'Content-Disposition: form-data' name")
        filename = options.get(b"filename")
        name = options[b"name"].decode("utf-8", "replace")
        parts.append(Part(name, None if filename is None else filename.decode(), b"".join(data)))

    callbacks = {
        "on_part_begin": on_part_begin,
        "on_header_field": on_header_field,
        "on_header_value": on_header_value,
        "on_header_end": on_header_end,
        "on_part_data": on_part_data,
        "on_part_end": on_part_end,
        "on_end": lambda: ended.append(True),
    }
    try:
        parser = MultipartParser(boundary, callbacks)  # type: ignore[arg-type]
        parser.write(body)
        parser.finalize()
    except MultipartParseError as e:
        raise MalformedBody(f"multipart body cannot be parsed: {e}") from e
    if not ended:
        raise MalformedBody("multipart body ends without its closing boundary")
    return parts


def create_app() -> FastAPI:
    """The service, its uploads parsed by python-multipart (the settings from CCVAE_*)."""
    uploads.parse_multipart = parse_with_library  # NOTE: this benchmark's server only
    return create_service()
