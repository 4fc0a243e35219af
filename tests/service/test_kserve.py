"""The KServe manifests in deploy/kserve, checked offline against KServe's own CRD schemas
(vendored by scripts/vendor-kserve-schemas), and against the image and the service's routes."""

from __future__ import annotations

import copy
import gzip
import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from service.app import create_app
from tests.service.dockerfile import parse
from tests.service.mnist_idx import REPO

KSERVE = REPO / "deploy" / "kserve"


def strict(schema: Any) -> Any:
    """The schema refusing unknown fields, as `kubectl apply --validate=strict` does: every
    object that lists its properties gets additionalProperties false, unless the CRD keeps
    unknown fields there."""
    if isinstance(schema, list):
        return [strict(item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    out = {key: strict(value) for key, value in schema.items()}
    if (
        "properties" in out
        and "additionalProperties" not in out
        and not out.get("x-kubernetes-preserve-unknown-fields")
    ):
        out["additionalProperties"] = False
    return out


@pytest.fixture(scope="module")
def schemas() -> dict[str, dict[str, Any]]:
    vendored = json.loads(gzip.decompress((KSERVE / "crd-schemas.json.gz").read_bytes()))
    return {kind: {**entry, "schema": strict(entry["schema"])} for kind, entry in
            vendored["kinds"].items()}  # fmt: skip


def manifest(name: str) -> dict[str, Any]:
    document: dict[str, Any] = yaml.safe_load((KSERVE / name).read_text())
    return document


def validate(document: dict[str, Any], schemas: dict[str, dict[str, Any]]) -> None:
    entry = schemas[document["kind"]]
    assert document["apiVersion"] == entry["apiVersion"]
    jsonschema.validate(document, entry["schema"], cls=jsonschema.Draft7Validator)


@pytest.mark.parametrize("name", ["inferenceservice.yaml", "servingruntime.yaml"])
def test_manifest_is_valid_against_kserves_crd_schema(
    name: str, schemas: dict[str, dict[str, Any]]
) -> None:
    validate(manifest(name), schemas)


def test_a_misspelt_field_is_refused_by_the_schema(schemas: dict[str, dict[str, Any]]) -> None:
    document = copy.deepcopy(manifest("inferenceservice.yaml"))
    model = document["spec"]["predictor"]["model"]
    model["protocolVersoin"] = model.pop("protocolVersion")
    with pytest.raises(jsonschema.ValidationError, match="protocolVersoin"):
        validate(document, schemas)


def test_the_predictor_speaks_v2_on_a_runtime_that_serves_its_format() -> None:
    service, runtime = manifest("inferenceservice.yaml"), manifest("servingruntime.yaml")
    model = service["spec"]["predictor"]["model"]
    assert model["protocolVersion"] == "v2" and "v2" in runtime["spec"]["protocolVersions"]
    assert model["runtime"] == runtime["metadata"]["name"]
    formats = {f["name"] for f in runtime["spec"]["supportedModelFormats"]}
    assert model["modelFormat"]["name"] in formats
    assert model["resources"]["requests"] and model["resources"]["limits"]


def test_the_runtime_runs_the_service_image_on_kserves_port_as_its_user() -> None:
    (container,) = manifest("servingruntime.yaml")["spec"]["containers"]
    assert container["name"] == "kserve-container"  # where KServe sends predictor traffic
    compose = yaml.safe_load((REPO / "docker-compose.yml").read_text())
    assert container["image"] == compose["services"]["ccvae"]["image"]
    words = [*container["command"], *container["args"]]
    assert words[0] == "ccvae-serve" and words[words.index("--port") + 1] == "8080"
    assert [p["containerPort"] for p in container["ports"]] == [8080]
    dockerfile = parse(REPO / "docker" / "Dockerfile")
    users = [i.argument for i in dockerfile if i.keyword == "USER"]
    context = manifest("inferenceservice.yaml")["spec"]["predictor"]["securityContext"]
    assert context["runAsNonRoot"] and users
    created = " ".join(i.argument for i in dockerfile if i.keyword == "RUN")
    assert f"--uid {context['runAsUser']}" in created


def test_the_probes_ask_the_protocols_health_routes_of_the_app() -> None:
    model = manifest("inferenceservice.yaml")["spec"]["predictor"]["model"]
    paths = set(create_app().openapi()["paths"])
    ready, live = model["readinessProbe"]["httpGet"], model["livenessProbe"]["httpGet"]
    assert ready["path"] == "/v2/health/ready" and live["path"] == "/v2/health/live"
    assert {ready["path"], live["path"]} <= paths
    assert ready["port"] == live["port"] == 8080


def test_the_model_dir_is_the_one_baked_into_the_image() -> None:
    model = manifest("inferenceservice.yaml")["spec"]["predictor"]["model"]
    env = {e["name"]: e["value"] for e in model["env"]}
    dockerfile = " ".join(i.argument for i in parse(REPO / "docker" / "Dockerfile"))
    assert f"CCVAE_MODEL_DIR={env['CCVAE_MODEL_DIR']}" in dockerfile
    assert Path(env["CCVAE_MODEL_DIR"]).name == "ccvae-mnist"
