"""The Open Inference Protocol (KServe v2 REST) on the shipped model: in-process for the JSON
protocol and its errors, and through the standard client `tritonclient.http` against a real
`ccvae-serve` process, with JSON and binary tensor data, checked against onnxruntime run here."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import onnxruntime as ort
import pytest
import tritonclient.http as triton
from tritonclient.utils import InferenceServerException

from service.app import create_app
from service.settings import Settings
from tests.service.conftest import Client, serve
from tests.service.live_server import serving

ROLES = ("encoder", "decoder", "classifier", "prior")
JSON_HEADERS = {"content-type": "application/json"}
DATATYPES = {"tensor(float)": "FP32", "tensor(int64)": "INT64"}


@pytest.fixture(scope="module")
def sessions(shipped_model: Path, manifest: dict[str, Any]) -> dict[str, ort.InferenceSession]:
    """The shipped graphs in onnxruntime here, as the reference the service must agree with."""
    return {
        role: ort.InferenceSession(str(shipped_model / manifest["files"][role]["path"]))
        for role in ROLES
    }


@pytest.fixture(scope="module")
def digits(mnist: tuple[np.ndarray, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """Eight real MNIST test digits as model inputs (N, 1, 28, 28) in [0, 1], and their labels."""
    images, labels = mnist
    return (images[:8, None] / 255.0).astype(np.float32), labels[:8]


@pytest.fixture(scope="module")
def live_url(shipped_model: Path) -> Iterator[str]:
    """A real ccvae-serve process on the shipped model."""
    with serving(shipped_model) as url:
        yield url


@pytest.fixture(scope="module")
def triton_client(live_url: str) -> Iterator[triton.InferenceServerClient]:
    client = triton.InferenceServerClient(url=live_url.removeprefix("http://"))
    yield client
    client.close()


def infer(client: Client, model: str, body: Any, **kwargs: Any) -> httpx.Response:
    return client.post(f"/v2/models/{model}/infer", json=body, **kwargs)


def tensor(name: str, array: np.ndarray, datatype: str = "FP32") -> dict[str, Any]:
    return {"name": name, "shape": list(array.shape), "datatype": datatype, "data": array.tolist()}


def output(response: httpx.Response, name: str) -> np.ndarray:
    """One output of a JSON response as an array of its shape."""
    assert response.status_code == 200, response.text
    (found,) = [o for o in response.json()["outputs"] if o["name"] == name]
    return np.asarray(found["data"], np.float32).reshape(found["shape"])


def assert_protocol_error(response: httpx.Response, status: int, words: str) -> None:
    """The response is `status` with the protocol's error body `{"error": message}`."""
    assert response.status_code == status, response.text
    body = response.json()
    assert list(body) == ["error"] and isinstance(body["error"], str)
    assert words in body["error"]


# --- metadata and health ---------------------------------------------------------------------


def test_server_metadata_names_the_binary_tensor_extension(client: Client) -> None:
    response = client.get("/v2")
    assert response.status_code == 200
    assert response.json() == {
        "name": client.app.title,
        "version": client.app.version,
        "extensions": ["binary_tensor_data", "schedule_policy"],
    }


def test_server_health_says_live_and_ready(client: Client) -> None:
    assert client.get("/v2/health/live").json() == {"live": True}
    ready = client.get("/v2/health/ready")
    assert (ready.status_code, ready.json()) == (200, {"ready": True})


@pytest.mark.parametrize("role", ROLES)
def test_model_metadata_describes_the_onnx_graph(
    client: Client,
    manifest: dict[str, Any],
    sessions: dict[str, ort.InferenceSession],
    role: str,
) -> None:
    session = sessions[role]
    metadata = client.get(f"/v2/models/{role}").json()
    assert metadata["name"] == role
    assert metadata["versions"] == ["1"]  # a repository number; the semantic one is /model's
    assert metadata["platform"] == "onnxruntime_onnx"
    assert [i["name"] for i in metadata["inputs"]] == manifest["files"][role]["inputs"]
    assert [o["name"] for o in metadata["outputs"]] == manifest["files"][role]["outputs"]
    for described, arg in zip(metadata["inputs"], session.get_inputs(), strict=True):
        assert described["datatype"] == DATATYPES[arg.type]
        assert described["shape"][0] == -1
        assert described["shape"][1:] == arg.shape[1:]
    # Every output shape, with -1 read as the batch, is what the graph gives for a batch of 3.
    feed = {
        i["name"]: np.zeros([3, *i["shape"][1:]], np.int64 if i["datatype"] == "INT64" else "f4")
        for i in metadata["inputs"]
    }
    for described, result in zip(metadata["outputs"], session.run(None, feed), strict=True):
        assert described["datatype"] == "FP32"
        assert [3, *described["shape"][1:]] == list(result.shape)
        assert described["shape"][0] == -1


def test_model_metadata_of_its_version_is_the_same(client: Client) -> None:
    version = "1"
    assert client.get(f"/v2/models/prior/versions/{version}").json() == (
        client.get("/v2/models/prior").json()
    )
    ready = client.get(f"/v2/models/prior/versions/{version}/ready")
    assert ready.json() == {"name": "prior", "ready": True}


@pytest.mark.parametrize("role", ROLES)
def test_each_model_is_ready(client: Client, role: str) -> None:
    response = client.get(f"/v2/models/{role}/ready")
    assert (response.status_code, response.json()) == (200, {"name": role, "ready": True})


@pytest.mark.parametrize(
    ("method", "url", "words"),
    [
        ("GET", "/v2/models/decoderr", "model 'decoderr' is not served"),
        ("GET", "/v2/models/decoderr/ready", "models: ['encoder', 'decoder', 'classifier'"),
        ("POST", "/v2/models/decoderr/infer", "model 'decoderr' is not served"),
        ("GET", "/v2/models/prior/versions/9", "model 'prior' has no version '9'"),
        ("POST", "/v2/models/prior/versions/9/infer", "has no version '9'"),
        ("GET", "/v2/repository/index", "'/v2/repository/index' is not an endpoint"),
    ],
)
def test_unknown_models_versions_and_paths_are_404(
    client: Client, method: str, url: str, words: str
) -> None:
    assert_protocol_error(client.request(method, url, json={}), 404, words)


@pytest.mark.parametrize(
    ("method", "url", "allowed"),
    [("GET", "/v2/models/prior/infer", "POST"), ("PUT", "/v2", "GET, HEAD")],
)
def test_a_wrong_method_is_405_with_the_allowed_ones(
    client: Client, method: str, url: str, allowed: str
) -> None:
    response = client.request(method, url)
    assert_protocol_error(response, 405, f"{method} is not allowed")
    assert response.headers["allow"] == allowed


def test_the_other_routes_keep_the_services_error_shape(client: Client) -> None:
    error = client.get("/no-such-page").json()["error"]
    assert error["type"] == "not_found"


def test_a_body_over_the_upload_limit_is_413_in_the_protocols_shape(client: Client) -> None:
    limit = Settings().max_upload_bytes
    declared = client.post(
        "/v2/models/decoder/infer", content=b"{" + b" " * limit, headers=JSON_HEADERS
    )
    assert_protocol_error(declared, 413, f"exceeds the limit of {limit} bytes")

    async def chunks() -> AsyncIterator[bytes]:  # no Content-Length: caught while streaming
        yield b'{"inputs": [{"name": "z", "shape": [1, 32], "datatype": "FP32", "data": ['
        for _ in range(limit // 2**20 + 1):
            yield b"0, " * (2**20 // 3)

    streamed = client.post("/v2/models/decoder/infer", content=chunks(), headers=JSON_HEADERS)
    assert "content-length" not in streamed.request.headers
    assert_protocol_error(streamed, 413, f"exceeds the limit of {limit} bytes")
    assert client.get("/classify").json()["error"]["type"] == "method_not_allowed"
    assert client.get("/v2/health/ready").json() == {"ready": True}


def test_before_the_model_is_loaded_the_protocol_says_not_ready() -> None:
    app = create_app(Settings(model_dir=Path("nowhere")))  # lifespan not run: no model

    async def get(url: str) -> httpx.Response:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://ccvae") as http:
            return await http.get(url)

    live = asyncio.run(get("/v2/health/live"))
    ready = asyncio.run(get("/v2/health/ready"))
    assert (live.status_code, live.json()) == (200, {"live": True})
    assert (ready.status_code, ready.json()) == (503, {"ready": False})
    assert_protocol_error(asyncio.run(get("/v2/models/encoder")), 503, "not loaded")


def test_the_data_plane_reads_every_graphs_signature_at_start_up(monkeypatch) -> None:
    """The probe runs that size each graph's outputs happen in the lifespan, off the event loop;
    the first /v2 request reads what is there and runs nothing of the kind."""
    probes = []
    real_run = ort.InferenceSession.run

    def counted(self: ort.InferenceSession, *args: Any, **kwargs: Any) -> Any:
        probes.append(args[0])
        return real_run(self, *args, **kwargs)

    with serve(Settings()) as client:
        monkeypatch.setattr(ort.InferenceSession, "run", counted)
        metadata = client.get("/v2/models/decoder").json()
        assert metadata["outputs"][0]["shape"] == [-1, 1, 28, 28]
        assert probes == []


# --- inference over JSON ---------------------------------------------------------------------


def test_infer_classifier_json_agrees_with_onnxruntime(
    client: Client,
    sessions: dict[str, ort.InferenceSession],
    digits: tuple[np.ndarray, np.ndarray],
    manifest: dict[str, Any],
) -> None:
    images, labels = digits
    loc, _ = sessions["encoder"].run(None, {"image": images})
    z_c = loc[:, : manifest["latent"]["c"]]
    (expected,) = sessions["classifier"].run(None, {"z_c": z_c})
    response = infer(client, "classifier", {"inputs": [tensor("z_c", z_c)]})
    logits = output(response, "logits")
    np.testing.assert_allclose(logits, expected, rtol=1e-5, atol=1e-5)
    assert (logits.argmax(axis=1) == labels).mean() >= 7 / 8
    assert response.json()["model_name"] == "classifier"
    assert response.json()["model_version"] == "1"


def test_infer_encoder_takes_nested_or_flat_data_alike(
    client: Client, sessions: dict[str, ort.InferenceSession], digits: tuple[np.ndarray, Any]
) -> None:
    images = digits[0][:2]
    expected_loc, expected_scale = sessions["encoder"].run(None, {"image": images})
    nested = infer(client, "encoder", {"inputs": [tensor("image", images)]})
    flat = {**tensor("image", images), "data": images.ravel().tolist()}
    flattened = infer(client, "encoder", {"inputs": [flat]})
    for response in (nested, flattened):
        np.testing.assert_allclose(output(response, "loc"), expected_loc, rtol=1e-5, atol=1e-5)
        np.testing.assert_allclose(output(response, "scale"), expected_scale, rtol=1e-5, atol=1e-5)


def test_infer_decoder_json_agrees_with_onnxruntime(
    client: Client, sessions: dict[str, ort.InferenceSession], manifest: dict[str, Any]
) -> None:
    latent = manifest["latent"]["c"] + manifest["latent"]["s"]
    z = np.random.default_rng(0).standard_normal((3, latent)).astype(np.float32)
    (expected,) = sessions["decoder"].run(None, {"z": z})
    images = output(infer(client, "decoder", {"inputs": [tensor("z", z)]}), "image")
    np.testing.assert_allclose(images, expected, rtol=1e-5, atol=1e-5)


def test_infer_prior_returns_the_outputs_asked_for_and_echoes_the_id(
    client: Client, sessions: dict[str, ort.InferenceSession]
) -> None:
    labels = np.array([7, 3], np.int64)
    expected_loc, _ = sessions["prior"].run(None, {"label": labels})
    body = {
        "id": "request-42",
        "inputs": [tensor("label", labels, "INT64")],
        "outputs": [{"name": "loc"}],
    }
    response = infer(client, "prior", body)
    assert response.json()["id"] == "request-42"
    assert [o["name"] for o in response.json()["outputs"]] == ["loc"]
    np.testing.assert_allclose(output(response, "loc"), expected_loc, rtol=1e-6)


def test_infer_through_the_versioned_path(client: Client) -> None:
    body = {"inputs": [tensor("label", np.array([1]), "INT64")]}
    response = client.post("/v2/models/prior/versions/1/infer", json=body)
    assert response.status_code == 200, response.text
    assert response.json()["model_version"] == "1"


# --- inference with binary tensor data -------------------------------------------------------


def binary_request(inputs: dict[str, np.ndarray], **json_part: Any) -> tuple[bytes, dict[str, str]]:
    """A request body as tritonclient sends it: JSON, then each input's raw little-endian bytes."""
    datatype = {np.dtype("float32"): "FP32", np.dtype("int64"): "INT64"}
    header = {
        **json_part,
        "inputs": [
            {
                "name": name,
                "shape": list(array.shape),
                "datatype": datatype[array.dtype],
                "parameters": {"binary_data_size": array.nbytes},
            }
            for name, array in inputs.items()
        ],
    }
    encoded = json.dumps(header).encode()
    raw = b"".join(
        array.astype(array.dtype.newbyteorder("<")).tobytes() for array in inputs.values()
    )
    return encoded + raw, {"Inference-Header-Content-Length": str(len(encoded))}


def test_infer_binary_inputs_and_binary_outputs(
    client: Client, sessions: dict[str, ort.InferenceSession], digits: tuple[np.ndarray, Any]
) -> None:
    images = digits[0][:4]
    expected_loc, expected_scale = sessions["encoder"].run(None, {"image": images})
    body, headers = binary_request(
        {"image": images},
        outputs=[{"name": "scale", "parameters": {"binary_data": True}}, {"name": "loc"}],
    )
    response = client.post("/v2/models/encoder/infer", content=body, headers=headers)
    assert response.status_code == 200, response.text
    length = int(response.headers["inference-header-content-length"])
    header = json.loads(response.content[:length])
    scale_out, loc_out = header["outputs"]
    assert scale_out["parameters"] == {"binary_data_size": expected_scale.nbytes}
    scale = np.frombuffer(response.content[length:], "<f4").reshape(scale_out["shape"])
    np.testing.assert_allclose(scale, expected_scale, rtol=1e-6)
    loc = np.asarray(loc_out["data"], np.float32).reshape(loc_out["shape"])
    np.testing.assert_allclose(loc, expected_loc, rtol=1e-5, atol=1e-5)


def test_binary_data_output_makes_every_output_binary(
    client: Client, sessions: dict[str, ort.InferenceSession]
) -> None:
    labels = np.array([0, 9], np.int64)
    expected = sessions["prior"].run(None, {"label": labels})
    body, headers = binary_request({"label": labels}, parameters={"binary_data_output": True})
    response = client.post("/v2/models/prior/infer", content=body, headers=headers)
    length = int(response.headers["inference-header-content-length"])
    outputs = json.loads(response.content[:length])["outputs"]
    raw, offset = response.content[length:], 0
    for described, want in zip(outputs, expected, strict=True):
        size = described["parameters"]["binary_data_size"]
        got = np.frombuffer(raw[offset : offset + size], "<f4").reshape(described["shape"])
        np.testing.assert_array_equal(got, want)
        offset += size
    assert offset == len(raw)


@pytest.mark.parametrize(
    ("model", "name", "width"), [("decoder", "z", 32), ("classifier", "z_c", 16)]
)
def test_finite_inputs_that_overflow_the_model_are_400_as_json_and_returned_as_binary(
    client: Client, sessions: dict[str, ort.InferenceSession], model: str, name: str, width: int
) -> None:
    """JSON has no inf or nan, so an output the model overflows to them is the request's 400,
    naming the way out; binary data carries it as onnxruntime computes it."""
    z = np.full((1, width), 3e38, np.float32)
    response = infer(client, model, {"inputs": [tensor(name, z)]})
    assert_protocol_error(response, 400, "which JSON cannot carry")
    assert '"binary_data": true' in response.json()["error"]
    (expected,) = sessions[model].run(None, {name: z})
    assert not np.isfinite(expected).all()
    body, headers = binary_request({name: z}, parameters={"binary_data_output": True})
    response = client.post(f"/v2/models/{model}/infer", content=body, headers=headers)
    assert response.status_code == 200, response.text
    raw = response.content[int(response.headers["inference-header-content-length"]) :]
    np.testing.assert_array_equal(np.frombuffer(raw, "<f4").reshape(expected.shape), expected)
    assert client.get("/v2/health/ready").status_code == 200


# --- bad requests ----------------------------------------------------------------------------

Z_C = {"name": "z_c", "shape": [1, 16], "datatype": "FP32", "data": [0.0] * 16}
LABEL = {"name": "label", "shape": [2], "datatype": "INT64", "data": [7, 3]}


def _with(base: dict[str, Any], **changes: Any) -> dict[str, Any]:
    return {"inputs": [{**base, **changes}]}


BAD_JSON = [
    ("classifier", _with(Z_C, name="z"), "model 'classifier' takes inputs ['z_c']"),
    ("classifier", {"inputs": [Z_C, Z_C]}, "the request gives ['z_c', 'z_c']"),
    ("classifier", {"inputs": []}, "inputs: List should have at least 1 item"),
    ("classifier", {"outputs": []}, "inputs: Field required"),
    ("classifier", _with(Z_C, datatype="FP64"), "has datatype 'FP64'; model 'classifier' takes"),
    ("classifier", _with(Z_C, shape=[16]), "has shape [16]; model 'classifier' takes [-1, 16]"),
    ("classifier", _with(Z_C, shape=[1, 15]), "has shape [1, 15]"),
    ("classifier", _with(Z_C, shape=[0, 16], data=[]), "has shape [0, 16]"),
    ("classifier", _with(Z_C, shape=["1", 16]), "inputs.0.shape.0: Input should be a valid int"),
    ("classifier", _with(Z_C, shape=[True, 16]), "inputs.0.shape.0"),
    # a negative size is not a shape (the metadata's -1 means "any size", never in a request)
    ("classifier", _with(Z_C, shape=[-1, 16]), "inputs.0.shape.0: Input should be greater than"),
    ("classifier", _with(Z_C, shape=[-1, -16], data=[]), "inputs.0.shape.1"),
    ("classifier", _with(Z_C, shape=[2, 16]), "has 16 elements; its shape needs 32"),
    ("classifier", _with(Z_C, data=[0.0] * 17), "has 17 elements; its shape needs 16"),
    ("classifier", _with(Z_C, data=["0.5"] * 16), "holds '0.5', which is not a float32"),
    ("classifier", _with(Z_C, data=[True] * 16), "holds True, which is not a float32"),
    ("classifier", _with(Z_C, data=[1e300] * 16), "holds inf at flat index 0"),
    ("classifier", _with(Z_C, data=None), "has neither data nor binary_data_size"),
    ("classifier", _with(Z_C, data={"a": 1}), "inputs.0.data: Input should be a valid array"),
    ("prior", _with(LABEL, data=[7, 10]), "holds 10; model 'prior' takes values from 0 to 9"),
    ("prior", _with(LABEL, data=[-1, 3]), "holds -1"),
    ("prior", _with(LABEL, data=[7, 3.5]), "holds 3.5, which is not a int64"),
    ("prior", _with(LABEL, data=[2**70, 3]), "outside the range of int64"),
    # issue 13: each datatype's data checked by type, a null included (it was a 500)
    ("prior", _with(LABEL, data=[None, 3]), "holds None, which is not a int64"),
    ("prior", _with(LABEL, data=[7, False]), "holds False, which is not a int64"),
    ("prior", _with(LABEL, data=["7", 3]), "holds '7', which is not a int64"),
    ("classifier", _with(Z_C, data=[None] * 16), "holds None, which is not a float32"),
    ("classifier", _with(Z_C, shape=[2, 16], data=[[0.0] * 20, [0.0] * 12]), "not shaped [2, 16]"),
    ("classifier", _with(Z_C, data=[[0.0] * 8, 0.0, *[0.0] * 7]), "not shaped [1, 16]"),
    ("classifier", _with(Z_C, data=[[[0.0] * 16]]), "not shaped [1, 16]"),
    ("classifier", _with(Z_C, shape=[257, 16], data=[0.0] * 257 * 16), "has 257 rows"),
    (
        "prior",
        {"inputs": [LABEL], "outputs": [{"name": "mean"}]},
        "output 'mean' is not one of the model's ['loc', 'scale']",
    ),
    ("prior", {"inputs": [LABEL], "outputs": [{"name": "loc"}] * 2}, "'loc' is asked for twice"),
    (
        "prior",
        {"inputs": [LABEL], "outputs": [{"name": "loc", "parameters": {"binary_data": 1}}]},
        "binary_data must be true or false",
    ),
    (
        "prior",
        {"inputs": [LABEL], "outputs": [{"name": "loc", "parameters": {"classification": 3}}]},
        "classification extension is not supported",
    ),
    (
        "prior",
        {"inputs": [LABEL], "parameters": {"binary_data_output": "yes"}},
        "binary_data_output must be true or false",
    ),
    ("prior", {"inputs": [LABEL], "id": 42}, "id: Input should be a valid string"),
    ("prior", [LABEL], "Input should be an object"),
]


@pytest.mark.parametrize(("model", "body", "words"), BAD_JSON)
def test_bad_json_requests_are_400_and_the_server_stays_ready(
    client: Client, model: str, body: Any, words: str
) -> None:
    assert_protocol_error(infer(client, model, body), 400, words)
    assert client.get("/v2/health/ready").status_code == 200


LABELS = np.array([7, 3], np.int64)
BINARY_BODY, BINARY_HEADERS = binary_request({"label": LABELS})
JSON_LENGTH = int(BINARY_HEADERS["Inference-Header-Content-Length"])


def _raw(text: str) -> dict[str, Any]:
    return {"content": text.encode()}


def _z_c_with(value: str, at: int) -> dict[str, Any]:
    """A classifier request whose z_c holds `value` (a JSON extension such as NaN) at `at`."""
    numbers = ["0.0"] * 16
    numbers[at] = value
    return _raw(json.dumps({"inputs": [Z_C]}).replace(", ".join(["0.0"] * 16), ", ".join(numbers)))


BAD_BODIES = [
    (_z_c_with("NaN", 0), "holds nan at flat index 0"),
    (_z_c_with("-Infinity", 5), "holds -inf at flat index 5"),
    (_raw('{"inputs": ['), "the request is not valid JSON"),
    ({"content": b"\xff\xfe"}, "the request is not valid JSON"),
    ({"content": b"[" * 100_000}, "the request is not valid JSON"),
    ({"content": BINARY_BODY}, "the request is not valid JSON"),  # binary, but no header length
    (
        {"content": BINARY_BODY, "headers": {"Inference-Header-Content-Length": "100000"}},
        "Inference-Header-Content-Length is 100000, but the body has only",
    ),
    (
        {"content": BINARY_BODY, "headers": {"Inference-Header-Content-Length": "-3"}},
        "Inference-Header-Content-Length: Input should be greater than or equal to 0",
    ),
    (
        {"content": BINARY_BODY[:-1], "headers": BINARY_HEADERS},
        "declares 16 bytes of binary data at offset 0, but only 15 bytes follow the JSON",
    ),
    (
        {"content": BINARY_BODY + b"\0", "headers": BINARY_HEADERS},
        "17 bytes follow the JSON, but the inputs' binary_data_size add up to 16",
    ),
    (
        {
            "content": BINARY_BODY[:JSON_LENGTH] + b"\0" * 8,
            "headers": BINARY_HEADERS,
        },
        "declares 16 bytes",
    ),
    (
        {"content": BINARY_BODY, "headers": {"Inference-Header-Content-Length": "0"}},
        "the request is not valid JSON",
    ),
    (
        {"content": BINARY_BODY, "headers": {**BINARY_HEADERS, "Content-Encoding": "gzip"}},
        "Content-Encoding 'gzip' is not supported",
    ),
]


@pytest.mark.parametrize(("request_kwargs", "words"), BAD_BODIES)
def test_bad_bodies_are_4xx_and_the_server_stays_ready(
    client: Client, request_kwargs: dict[str, Any], words: str
) -> None:
    model = "classifier" if b"z_c" in request_kwargs["content"] else "prior"
    response = client.post(f"/v2/models/{model}/infer", **request_kwargs)
    assert_protocol_error(response, 415 if "Encoding" in words else 400, words)
    assert client.get("/v2/health/ready").status_code == 200


@pytest.mark.parametrize(
    ("parameters", "data", "sent", "words"),
    [
        (
            {"binary_data_size": 8},
            None,
            8,
            "has 8 bytes of binary data; shape [2] of INT64 needs 16",
        ),
        ({"binary_data_size": -16}, None, 0, "binary_data_size must be a byte count, got -16"),
        ({"binary_data_size": "16"}, None, 0, "binary_data_size must be a byte count, got '16'"),
        ({"binary_data_size": 16}, [7, 3], 16, "has both data and binary_data_size"),
    ],
)
def test_bad_binary_parameters_are_400(
    client: Client, parameters: dict[str, Any], data: Any, sent: int, words: str
) -> None:
    header = json.dumps({"inputs": [{**LABEL, "data": data, "parameters": parameters}]}).encode()
    headers = {"Inference-Header-Content-Length": str(len(header))}
    content = header + LABELS.tobytes()[:sent]
    response = client.post("/v2/models/prior/infer", content=content, headers=headers)
    assert_protocol_error(response, 400, words)
    assert client.get("/v2/health/ready").status_code == 200


# --- the standard client against a real server -----------------------------------------------


def test_tritonclient_sees_a_live_and_ready_server(triton_client: Any) -> None:
    assert triton_client.is_server_live()
    assert triton_client.is_server_ready()
    assert triton_client.is_model_ready("classifier")
    assert not triton_client.is_model_ready("no-such-model")
    assert "binary_tensor_data" in triton_client.get_server_metadata()["extensions"]


def test_tritonclient_reads_the_model_metadata(
    triton_client: Any, manifest: dict[str, Any]
) -> None:
    metadata = triton_client.get_model_metadata("encoder")
    assert metadata["versions"] == ["1"]
    assert metadata["inputs"] == [
        {"name": "image", "datatype": "FP32", "shape": [-1, *manifest["image"]["shape"]]}
    ]
    latent = manifest["latent"]["c"] + manifest["latent"]["s"]
    assert [o["shape"] for o in metadata["outputs"]] == [[-1, latent], [-1, latent]]


@pytest.mark.parametrize("binary", [True, False], ids=["binary", "json"])
def test_tritonclient_classifies_real_digits(
    triton_client: Any,
    sessions: dict[str, ort.InferenceSession],
    digits: tuple[np.ndarray, np.ndarray],
    manifest: dict[str, Any],
    binary: bool,
) -> None:
    images, labels = digits
    z_c = sessions["encoder"].run(None, {"image": images})[0][:, : manifest["latent"]["c"]]
    (expected,) = sessions["classifier"].run(None, {"z_c": z_c})
    z_c_input = triton.InferInput("z_c", list(z_c.shape), "FP32")
    z_c_input.set_data_from_numpy(z_c, binary_data=binary)
    result = triton_client.infer(
        "classifier",
        [z_c_input],
        outputs=[triton.InferRequestedOutput("logits", binary_data=binary)],
        request_id="digits",
    )
    logits = result.as_numpy("logits")
    np.testing.assert_allclose(logits, expected, rtol=1e-5, atol=1e-5)
    assert (logits.argmax(axis=1) == labels).mean() >= 7 / 8
    assert result.get_response()["id"] == "digits"


@pytest.mark.parametrize("binary", [True, False], ids=["binary", "json"])
def test_tritonclient_encodes_real_digits(
    triton_client: Any,
    sessions: dict[str, ort.InferenceSession],
    digits: tuple[np.ndarray, np.ndarray],
    binary: bool,
) -> None:
    images = digits[0]
    expected_loc, expected_scale = sessions["encoder"].run(None, {"image": images})
    image_input = triton.InferInput("image", list(images.shape), "FP32")
    image_input.set_data_from_numpy(images, binary_data=binary)
    # No outputs named: tritonclient asks for every output as binary data.
    result = triton_client.infer("encoder", [image_input])
    np.testing.assert_allclose(result.as_numpy("loc"), expected_loc, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(result.as_numpy("scale"), expected_scale, rtol=1e-5, atol=1e-5)


def test_tritonclient_reports_the_servers_error_message(triton_client: Any) -> None:
    label = triton.InferInput("label", [1], "INT64")
    label.set_data_from_numpy(np.array([12], np.int64))
    with pytest.raises(InferenceServerException, match="takes values from 0 to 9"):
        triton_client.infer("prior", [label])
    with pytest.raises(InferenceServerException, match="model 'decoderr' is not served"):
        triton_client.get_model_metadata("decoderr")
    assert triton_client.is_server_ready()
