"""Properties of the three parsers that read what clients send, checked by Hypothesis.

Image preparation, the multipart parser and the tensor codec each either return a well-formed
result or raise the service's own 4xx error: nothing else, whatever the bytes. Inputs are
arbitrary bytes, and valid files and bodies mutated byte by byte (PNG chunks re-checksummed, so
that the mutations reach the decoders behind the CRC check). Bounded for CI: a fixed number of
derandomized examples each, a few seconds in all; the same cases on every run.
"""

from __future__ import annotations

import io
import json
import struct
import zlib
from typing import Any

import numpy as np
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from PIL import Image

from service import imaging
from service.errors import InvalidImage, InvalidTensor, MalformedBody, PayloadTooLarge
from service.tensors import (
    DATATYPES,
    TensorSpec,
    binary_chunks,
    decode_input,
    parse_request,
    split_body,
)
from service.uploads import parse_multipart
from tests.service.conftest import Client
from tests.service.test_errors import DIGIT, GOOD
from tests.service.test_uploads import multipart_body

BOUNDED = settings(
    max_examples=150,
    deadline=None,
    database=None,  # no .hypothesis folder left in the work tree
    derandomize=True,  # the same cases on every run: CI stays reproducible
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
SHAPE = (1, 28, 28)
MAX_PIXELS, MAX_SIDE = 2**16, 1024  # small, so that a mutated size is refused, not decoded


def _jpeg(**save: Any) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(DIGIT).convert("RGB").save(buffer, "JPEG", **save)
    return buffer.getvalue()


EXIF = Image.Exif()
EXIF[0x0112] = 6  # rotate 90°: mutations reach the EXIF parser and exif_transpose
SEEDS = {"png": GOOD, "jpeg": _jpeg(quality=90), "jpeg+exif": _jpeg(exif=EXIF.tobytes())}


def rechecksummed(data: bytes) -> bytes:
    """A PNG with every chunk's CRC recomputed, so that a mutation gets past the check."""
    if not data.startswith(imaging.PNG_SIGNATURE):
        return data
    out, at = bytearray(data[:8]), 8
    while at + 8 <= len(data):
        (length,) = struct.unpack(">I", data[at : at + 4])
        body = data[at + 4 : at + 8 + length]
        if len(body) < 4 + length:
            return bytes(out) + data[at:]
        out += data[at : at + 4] + body + struct.pack(">I", zlib.crc32(body))
        at += 12 + length
    return bytes(out) + data[at:]


@st.composite
def mutated(draw: st.DrawFn, seeds: dict[str, bytes]) -> bytes:
    """A seed with a few bytes overwritten, inserted or cut, maybe truncated."""
    data = bytearray(seeds[draw(st.sampled_from(sorted(seeds)))])
    for _ in range(draw(st.integers(1, 6))):
        at = draw(st.integers(0, len(data) - 1))
        kind = draw(st.sampled_from(["set", "insert", "delete"]))
        if kind == "set":
            data[at] = draw(st.integers(0, 255))
        elif kind == "insert":
            data[at:at] = draw(st.binary(min_size=1, max_size=16))
        else:
            del data[at : at + draw(st.integers(1, 16))]
    if draw(st.booleans()):
        data = data[: draw(st.integers(0, len(data)))]
    return rechecksummed(bytes(data))


def assert_prepared_or_refused(data: bytes) -> None:
    try:
        field = imaging.prepare(data, SHAPE, "auto", MAX_PIXELS, max_side=MAX_SIDE)
    except (InvalidImage, PayloadTooLarge):
        return
    assert field.shape == SHAPE and field.dtype == np.float32
    assert np.isfinite(field).all() and field.min() >= 0.0 and field.max() <= 1.0


@BOUNDED
@given(st.binary(max_size=4096))
def test_prepare_of_arbitrary_bytes_gives_a_field_or_the_invalid_image_error(data: bytes) -> None:
    assert_prepared_or_refused(data)


@BOUNDED
@given(mutated(SEEDS))
def test_prepare_of_a_mutated_png_or_jpeg_gives_a_field_or_an_image_error(data: bytes) -> None:
    assert_prepared_or_refused(data)


@settings(BOUNDED, max_examples=40)
@given(mutated(SEEDS))
def test_mutated_uploads_never_get_a_5xx(client: Client, data: bytes) -> None:
    response = client.post("/classify", content=data, headers={"content-type": "image/png"})
    assert response.status_code in (200, 400, 413), response.text


NAMES = st.text("abcdefghijklmnopqrstuvwxyz0123456789_-.", min_size=1, max_size=12)
PARTS = st.lists(st.tuples(NAMES, st.none() | NAMES, st.binary(max_size=64)), max_size=5)


@BOUNDED
@given(PARTS, st.text("abcdefghijklmnopqrstuvwxyz0123456789'()+_,-./:=?", min_size=1, max_size=70))
def test_multipart_body_parses_back_to_its_parts(
    parts: list[tuple[str, str | None, bytes]], boundary: str
) -> None:
    body = multipart_body(parts, boundary)
    delimiter = b"\r\n--" + boundary.encode()
    assume(all(delimiter not in b"\r\n" + data for _, _, data in parts))  # else not these parts
    assert [(p.name, p.filename, p.data) for p in parse_multipart(body, boundary.encode())] == parts


MULTIPART_SEEDS = {
    "two parts": multipart_body([("file", "a.png", GOOD), ("note", None, b"hi")], "b"),
    "preamble": b"x\r\n" + multipart_body([("file", "a", b"1")], "b") + b"epilogue",
}


@BOUNDED
@given(st.binary(max_size=512) | mutated(MULTIPART_SEEDS))
def test_multipart_parser_gives_parts_or_a_malformed_body_error(body: bytes) -> None:
    try:
        parts = parse_multipart(body, b"b")
    except (MalformedBody, PayloadTooLarge):
        return
    for part in parts:
        assert isinstance(part.name, str) and isinstance(part.data, bytes)
        assert part.filename is None or isinstance(part.filename, str)


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=4),
    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(st.text(max_size=4), inner),
    max_leaves=20,
)
SCALARS = (st.integers(0, 9) | st.floats(-2, 2) | st.booleans() | st.none() | st.floats()
           | st.integers(-(2**70), 2**70) | st.text(max_size=2))  # fmt: skip
SPECS = [TensorSpec("x", "INT64", (-1,)), TensorSpec("x", "FP32", (-1, 3)),
         TensorSpec("x", "BOOL", (2, -1)), TensorSpec("x", "UINT8", (-1, 2))]  # fmt: skip


@st.composite
def tensor_request(draw: st.DrawFn, spec: TensorSpec) -> dict[str, Any]:
    """An input meant for `spec`: four times in five of its name, datatype and shape, with data
    of the right count whose elements may be of any JSON type; else anything at all."""
    shape = [draw(st.integers(1, 3)) if axis == -1 else axis for axis in spec.shape]
    count = int(np.prod(shape))
    if draw(st.integers(0, 4)):
        return {"name": spec.name, "shape": shape, "datatype": spec.datatype,
                "data": draw(st.lists(SCALARS, min_size=count, max_size=count))}  # fmt: skip
    return {
        "name": draw(st.just(spec.name) | st.text(max_size=3)),
        "shape": draw(st.just(shape) | st.lists(st.integers(-2, 4), max_size=3) | JSON_VALUES),
        "datatype": draw(st.just(spec.datatype) | st.sampled_from([*DATATYPES, "BYTES"])),
        "data": draw(JSON_VALUES),
    }


def assert_decoded_or_refused(header: bytes, binary: bytes, spec: TensorSpec) -> None:
    try:
        request = parse_request(header)
        chunks = binary_chunks(request.inputs, binary)
        array = decode_input(request.inputs[0], spec, chunks.get("x"), "m")
    except InvalidTensor:
        return
    assert array.dtype == DATATYPES[spec.datatype]
    assert len(array.shape) == len(spec.shape)
    assert all(want in (-1, got) for got, want in zip(array.shape, spec.shape, strict=True))
    if array.dtype.kind == "f":
        assert np.isfinite(array).all()


@BOUNDED
@given(st.data(), st.sampled_from(SPECS))
def test_tensor_codec_of_arbitrary_json_gives_the_models_dtype_or_a_400(
    data: st.DataObject, spec: TensorSpec
) -> None:
    body = {"inputs": [data.draw(tensor_request(spec))]}
    assert_decoded_or_refused(json.dumps(body).encode(), b"", spec)


@BOUNDED
@given(st.binary(max_size=64), st.integers(-1, 70), st.sampled_from(SPECS), st.integers(0, 4))
def test_tensor_codec_of_arbitrary_binary_data_gives_the_models_dtype_or_a_400(
    binary: bytes, size: int, spec: TensorSpec, rows: int
) -> None:
    shape = [rows if axis == -1 else axis for axis in spec.shape]
    tensor = {"name": "x", "shape": shape, "datatype": spec.datatype,
              "parameters": {"binary_data_size": size}}  # fmt: skip
    header = json.dumps({"inputs": [tensor]}).encode()
    json_part, rest = split_body(header + binary, len(header))
    assert_decoded_or_refused(json_part, rest, spec)


MODELS = {
    "prior": TensorSpec("label", "INT64", (-1,)),
    "classifier": TensorSpec("z_c", "FP32", (-1, 16)),
}


@settings(BOUNDED, max_examples=60)
@given(st.data())
def test_arbitrary_inference_requests_never_get_a_5xx(client: Client, data: st.DataObject) -> None:
    model, spec = data.draw(st.sampled_from(sorted(MODELS.items())))
    body = {"inputs": [data.draw(tensor_request(spec))]}
    response = client.post(f"/v2/models/{model}/infer", content=json.dumps(body))
    assert response.status_code in (200, 400), response.text
    if response.status_code == 400:
        assert list(response.json()) == ["error"]
