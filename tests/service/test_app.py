"""The app: nothing loaded at creation, a clear failure on a bad model, a complete OpenAPI
schema, and everything model-specific taken from the manifest."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import anyio
import httpx
import numpy as np
import pytest

from service.app import create_app
from service.errors import ModelError
from service.settings import Settings
from tests.service import tiny_model
from tests.service.conftest import SHIPPED, Client, decode_png, png, serve
from tests.service.prometheus import value

ENDPOINTS = {
    ("post", "/classify"),
    ("post", "/encode"),
    ("post", "/generate"),
    ("post", "/interpolate"),
    ("post", "/interpolate/images"),
    ("post", "/reconstruct"),
    ("post", "/intervene"),
    ("get", "/model"),
    ("get", "/model/card"),
    ("get", "/health/live"),
    ("get", "/health/ready"),
    ("get", "/metrics"),
    # the Open Inference Protocol (KServe v2 REST) on the four graphs
    ("get", "/v2"),
    ("get", "/v2/health/live"),
    ("get", "/v2/health/ready"),
    ("get", "/v2/models/{name}"),
    ("get", "/v2/models/{name}/ready"),
    ("post", "/v2/models/{name}/infer"),
    ("get", "/v2/models/{name}/versions/{version}"),
    ("get", "/v2/models/{name}/versions/{version}/ready"),
    ("post", "/v2/models/{name}/versions/{version}/infer"),
}


def test_create_app_loads_nothing_before_start(tmp_path: Path) -> None:
    app = create_app(Settings(model_dir=tmp_path / "not-there-yet"))
    assert app.state.plane is None


def test_start_fails_clearly_without_a_model(tmp_path: Path) -> None:
    with pytest.raises(ModelError, match="no model at"), serve(Settings(model_dir=tmp_path)):
        pass


def test_start_fails_clearly_on_a_corrupt_model(tiny_model_dir: Path) -> None:
    (tiny_model_dir / "encoder.onnx").write_bytes(b"tampered")
    with (
        pytest.raises(ModelError, match=r"encoder file .* is corrupt"),
        serve(Settings(model_dir=tiny_model_dir)),
    ):
        pass


def test_not_ready_until_the_lifespan_has_loaded_the_model(shipped_model: Path) -> None:
    app = create_app(Settings(model_dir=shipped_model))

    async def probe() -> list[httpx.Response]:
        transport = httpx.ASGITransport(app=app)  # no lifespan: the model never loads
        async with httpx.AsyncClient(transport=transport, base_url="http://ccvae") as c:
            return [
                await c.get("/health/live"),
                await c.get("/health/ready"),
                await c.post("/generate", params={"label": "1"}),
            ]

    live, ready, generate = anyio.run(probe)
    assert live.status_code == 200
    assert ready.status_code == generate.status_code == 503
    assert ready.json()["error"]["type"] == "not_ready"


def test_openapi_lists_every_endpoint_with_examples(client: Client) -> None:
    schema = client.get("/openapi.json").json()
    listed = {(method, path) for path, item in schema["paths"].items() for method in item}
    assert listed == ENDPOINTS
    components = schema["components"]["schemas"]
    for name in ("Prediction", "Encoding", "Images", "ModelInfo", "Error"):
        assert components[name].get("examples"), f"{name} has no example"
    generate = schema["paths"]["/generate"]["post"]
    assert set(generate["responses"]["200"]["content"]) == {"application/json", "image/png"}
    assert {"400", "413", "415", "422"} <= set(generate["responses"])


@pytest.mark.parametrize(
    "path",
    ["/model", "/model/card", "/health/live", "/health/ready", "/metrics", "/v2",
     "/v2/models/encoder", "/v2/models/encoder/versions/1/ready", "/", "/openapi.json", "/docs"],
)  # fmt: skip
def test_head_is_answered_wherever_get_is_with_its_headers_and_no_body(
    client: Client, path: str
) -> None:
    got, head = client.get(path), client.request("HEAD", path)
    assert head.status_code == got.status_code == 200
    assert head.headers["content-type"] == got.headers["content-type"]
    assert head.content == b""
    assert "x-request-id" in head.headers or path == "/"


def test_head_where_only_post_is_served_is_405_naming_post(client: Client) -> None:
    response = client.request("HEAD", "/classify")
    assert response.status_code == 405 and response.headers["allow"] == "POST"
    assert client.request("HEAD", "/nowhere").status_code == 404
    assert client.request("PUT", "/model").headers["allow"] == "GET, HEAD"


def test_a_head_request_is_counted_as_head(client: Client) -> None:
    def counted() -> float:
        labels = {"endpoint": "/health/live", "method": "HEAD", "status": "200"}
        return value(client.get("/metrics").text, "ccvae_requests_total", **labels)

    before = counted()
    client.request("HEAD", "/health/live")
    assert counted() == before + 1


def test_model_reports_the_manifest_and_the_provider(
    client: Client, manifest: dict[str, Any]
) -> None:
    body = client.get("/model").json()
    assert body["classes"] == manifest["classes"]
    assert body["latent"] == manifest["latent"]
    assert body["metrics"] == manifest["metrics"]
    assert body["versions"] == manifest["versions"]
    assert body["provider"] == "CPUExecutionProvider" and body["device"] == "cpu"


def test_the_few_label_model_serves_with_the_protocol_it_was_trained_under(
    mnist: tuple[np.ndarray, np.ndarray],
) -> None:
    directory = SHIPPED.parent / "ccvae-mnist-100"
    manifest = json.loads((directory / "manifest.json").read_text())
    with serve(Settings(model_dir=directory, threads=1)) as c:
        info = c.get("/model").json()
        assert info["protocol"] == manifest["protocol"]
        assert info["protocol"]["labels"] == 100 and info["protocol"]["label_draw"] == 0
        assert info["protocol"]["selection"] == "last"
        assert "label draw 0" in info["protocol"]["statement"]
        assert info["latent"] == {"c": 64, "s": 16}
        images, labels = mnist
        answers = [
            c.post("/classify", files={"file": ("d.png", png(image))}).json()["label"]
            for image in images[:50]
        ]
        assert sum(a == int(y) for a, y in zip(answers, labels[:50], strict=True)) >= 47


def test_metrics_count_requests_per_endpoint_and_batch_sizes(client: Client) -> None:
    client.post("/generate", params={"label": "3", "seed": 1})
    client.post("/generate", params={"label": "99"})
    text = client.get("/metrics").text
    series = {"endpoint": "/generate", "method": "POST"}
    for status in ("200", "422"):
        assert value(text, "ccvae_requests_total", **series, status=status) >= 1
    assert value(text, "ccvae_request_duration_seconds_bucket", **series, le="+Inf") >= 2
    assert value(text, "ccvae_batch_size_count", batcher="decoder") >= 1
    assert value(text, "ccvae_model_seconds_count", batcher="decoder") >= 1


def test_everything_model_specific_comes_from_the_manifest(tmp_path: Path) -> None:
    spec = tiny_model.TinySpec(
        classes=("cat", "dog", "owl"), height=16, width=12, latent_c=4, latent_s=3
    )
    directory = tiny_model.write(tmp_path, spec)
    digit = np.zeros((40, 40), np.uint8)
    digit[5:35, 18:24] = 255
    with serve(Settings(model_dir=directory, batching=False)) as c:
        info = c.get("/model").json()
        assert info["classes"] == ["cat", "dog", "owl"] and info["latent"] == {"c": 4, "s": 3}
        assert not info["batching"]
        image = decode_png(c.post("/generate", params={"label": "owl", "seed": 0}).content)
        assert image.shape == (16, 12)
        prediction = c.post("/classify", files={"file": ("d.png", png(digit))}).json()
        assert len(prediction["probabilities"]) == 3
        assert prediction["class_name"] in ("cat", "dog", "owl")
        refused = c.post("/generate", params={"label": "7"}).json()["error"]
        assert "['cat', 'dog', 'owl']" in refused["message"]
        encoding = c.post("/encode", files={"file": ("d.png", png(digit))}).json()
        assert len(encoding["z_c"]["loc"]) == 4 and len(encoding["z_s"]["loc"]) == 3


def test_openapi_is_valid_json_without_a_model(tmp_path: Path) -> None:
    app = create_app(Settings(model_dir=tmp_path))
    assert json.loads(json.dumps(app.openapi()))["info"]["title"] == "CCVAE MNIST"


@pytest.mark.parametrize("page", ["/docs", "/redoc"])
def test_api_docs_pages_load_every_asset_from_the_service_itself(client: Client, page: str) -> None:
    html = client.get(page).text
    assert "http://" not in html and "https://" not in html, f"{page} names an external host"
    assets = re.findall(r'(?:src|href|spec-url)="([^"]+)"', html)
    assert len(assets) >= 2, html  # the UI's script, and its stylesheet or the schema
    for asset in assets:
        assert asset.startswith("/") and not asset.startswith("//"), asset
        assert client.get(asset).status_code == 200, asset


def test_openapi_names_operations_after_their_routes_and_lists_tags_servers_and_licence(
    client: Client,
) -> None:
    schema = client.get("/openapi.json").json()
    ids = [op["operationId"] for item in schema["paths"].values() for op in item.values()]
    assert {"classify", "generate", "interpolate", "interpolate_images", "infer"} <= set(ids)
    assert len(set(ids)) == len(ids)
    used = {tag for item in schema["paths"].values() for op in item.values() for tag in op["tags"]}
    assert used == {tag["name"] for tag in schema["tags"]}
    assert schema["servers"] and schema["info"]["contact"] and schema["info"]["license"]["name"]


def test_openapi_states_the_limits_labels_and_models_the_server_enforces(
    shipped_model: Path, manifest: dict[str, Any]
) -> None:
    schema = create_app(Settings(model_dir=shipped_model, max_samples=5, max_steps=9)).openapi()

    def parameter(path: str, name: str) -> dict[str, Any]:
        (found,) = [p for p in schema["paths"][path]["post"]["parameters"] if p["name"] == name]
        return found

    label = parameter("/generate", "label")
    assert label["required"] and label["schema"]["type"] == "integer"
    assert label["schema"]["maximum"] == len(manifest["classes"]) - 1
    assert parameter("/generate", "n")["schema"]["maximum"] == 5
    assert parameter("/interpolate", "steps")["schema"]["maximum"] == 9
    assert parameter("/generate", "seed")["schema"]["type"] == "integer"  # no null branch
    components = schema["components"]["schemas"]
    assert set(components["ModelName"]["enum"]) == set(manifest["files"])
    assert components["ModelVersion"]["enum"] == ["1"]  # repository numbers, not semver
    assert {"Invert", "Format", "Source", "InferenceRequest"} <= set(components)
    generate = schema["paths"]["/generate"]["post"]["responses"]
    assert list(generate["200"]["content"]) == ["image/png", "application/json"]
    assert generate["200"]["headers"]["X-Seed"]["required"]
    for item in schema["paths"].values():
        for operation in item.values():
            assert "Retry-After" in operation["responses"]["503"]["headers"], operation
