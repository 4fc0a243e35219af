"""The Kubernetes manifests in deploy/k8s, checked offline: each is valid against the Kubernetes
JSON schema (kubernetes-validate ships the schemas), and they fit together and with the image,
the service's routes and the autoscaler's needs."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
import yaml

from service.app import create_app
from service.metrics import Metrics
from service.settings import Settings
from tests.service.dockerfile import parse, served_port
from tests.service.mnist_idx import REPO

K8S = REPO / "deploy" / "k8s"
MANIFESTS = sorted(K8S.glob("*.yaml"))
OLDEST_SUPPORTED = "1.29.0"  # the probes, HPA v2 and policy/v1 are all GA by then
PROBES = ("startupProbe", "readinessProbe", "livenessProbe")


def documents(path: Path) -> list[dict[str, Any]]:
    return [d for d in yaml.safe_load_all(path.read_text()) if d]


@pytest.fixture(scope="module")
def resources() -> dict[str, dict[str, Any]]:
    """Every object in deploy/k8s by kind (one of each)."""
    found: dict[str, dict[str, Any]] = {}
    for path in MANIFESTS:
        for document in documents(path):
            assert document["kind"] not in found, f"a second {document['kind']} in {path.name}"
            found[document["kind"]] = document
    return found


@pytest.fixture(scope="module")
def container(resources: dict[str, dict[str, Any]]) -> dict[str, Any]:
    (container,) = resources["Deployment"]["spec"]["template"]["spec"]["containers"]
    return dict(container)


def test_the_manifests_are_there() -> None:
    names = {p.name for p in MANIFESTS}
    assert {"deployment.yaml", "service.yaml", "hpa.yaml"} <= names


@pytest.mark.parametrize("version", [OLDEST_SUPPORTED, kubernetes_validate.latest_version()])
@pytest.mark.parametrize("path", MANIFESTS, ids=lambda p: p.name)
def test_every_manifest_is_valid_against_the_kubernetes_schema(path: Path, version: str) -> None:
    for document in documents(path):
        # strict: a misspelt or misplaced field is an error, not silently ignored by the cluster
        kubernetes_validate.validate(document, version, strict=True)


def test_the_probes_ask_the_services_health_routes_on_the_served_port(
    container: dict[str, Any],
) -> None:
    paths = create_app(Settings(model_dir=K8S)).openapi()["paths"]
    probes = {kind: container[kind]["httpGet"] for kind in PROBES}
    assert probes["livenessProbe"]["path"] == "/health/live"
    assert probes["readinessProbe"]["path"] == probes["startupProbe"]["path"] == "/health/ready"
    assert all("get" in paths[p["path"]] for p in probes.values())
    ports = {p["name"]: p["containerPort"] for p in container["ports"]}
    assert all(ports[p["port"]] == served_port(REPO / "docker/Dockerfile") for p in probes.values())
    # the model loads before the liveness probe starts counting
    startup = container["startupProbe"]
    assert startup["periodSeconds"] * startup["failureThreshold"] >= 30


def test_the_pod_runs_the_cpu_image_as_its_non_root_user_within_its_resources(
    resources: dict[str, dict[str, Any]], container: dict[str, Any]
) -> None:
    pod = resources["Deployment"]["spec"]["template"]["spec"]
    assert container["image"].endswith(":serve")
    (useradd,) = [i for i in parse(REPO / "docker/Dockerfile") if "useradd" in i.argument]
    uid = useradd.words()[useradd.words().index("--uid") + 1]
    context = pod["securityContext"]
    assert context["runAsNonRoot"] and context["runAsUser"] == int(uid)
    assert container["securityContext"]["readOnlyRootFilesystem"]
    assert "/tmp" in {m["mountPath"] for m in container["volumeMounts"]}  # spooled uploads
    limits, requests = container["resources"]["limits"], container["resources"]["requests"]
    assert {"cpu", "memory"} <= set(limits) and {"cpu", "memory"} <= set(requests)
    env = {e["name"]: e["value"] for e in container["env"]}
    assert env["CCVAE_DEVICE"] == "cpu"
    # onnxruntime sizes its thread pool by the node's cores unless told: no more than the limit
    assert 1 <= int(env["CCVAE_THREADS"]) <= int(limits["cpu"])


def test_the_service_and_the_autoscaler_select_the_deployments_pods(
    resources: dict[str, dict[str, Any]], container: dict[str, Any]
) -> None:
    deployment = resources["Deployment"]
    labels = deployment["spec"]["template"]["metadata"]["labels"]
    assert deployment["spec"]["selector"]["matchLabels"].items() <= labels.items()
    service = resources["Service"]["spec"]
    assert service["selector"].items() <= labels.items()
    port_names = {p["name"] for p in container["ports"]}
    assert all(p["targetPort"] in port_names for p in service["ports"])
    target = resources["HorizontalPodAutoscaler"]["spec"]["scaleTargetRef"]
    assert (target["apiVersion"], target["kind"], target["name"]) == (
        deployment["apiVersion"],
        "Deployment",
        deployment["metadata"]["name"],
    )
    budget = resources.get("PodDisruptionBudget")
    if budget is not None:
        assert budget["spec"]["selector"]["matchLabels"].items() <= labels.items()


def test_the_autoscaler_scales_on_cpu_which_the_pods_request(
    resources: dict[str, dict[str, Any]], container: dict[str, Any]
) -> None:
    spec = resources["HorizontalPodAutoscaler"]["spec"]
    assert 2 <= spec["minReplicas"] < spec["maxReplicas"]  # one replica lost still serves
    (metric,) = spec["metrics"]
    assert metric["resource"]["name"] == "cpu"
    assert metric["resource"]["target"]["type"] == "Utilization"
    # utilisation is relative to the request: without one the autoscaler cannot act
    assert container["resources"]["requests"]["cpu"]
    rollout = resources["Deployment"]["spec"]["strategy"]["rollingUpdate"]
    assert rollout["maxUnavailable"] == 0


MONITORING = K8S / "monitoring"


def monitoring(kind: str) -> dict[str, Any]:
    (found,) = [
        d for p in sorted(MONITORING.glob("*.yaml")) for d in documents(p) if d["kind"] == kind
    ]
    return found


@pytest.mark.parametrize("kind", ["HorizontalPodAutoscaler", "ConfigMap"])
def test_the_monitoring_manifests_are_valid_against_the_kubernetes_schema(kind: str) -> None:
    for version in (OLDEST_SUPPORTED, kubernetes_validate.latest_version()):
        kubernetes_validate.validate(monitoring(kind), version, strict=True)


def test_prometheus_finds_the_pods_metrics_by_annotation_and_by_service_monitor(
    resources: dict[str, dict[str, Any]], container: dict[str, Any]
) -> None:
    template = resources["Deployment"]["spec"]["template"]["metadata"]
    annotations = template["annotations"]
    paths = create_app(Settings(model_dir=K8S)).openapi()["paths"]
    assert annotations["prometheus.io/scrape"] == "true"
    assert "get" in paths[annotations["prometheus.io/path"]]
    assert int(annotations["prometheus.io/port"]) == served_port(REPO / "docker/Dockerfile")
    monitor = monitoring("ServiceMonitor")
    assert monitor["apiVersion"] == "monitoring.coreos.com/v1"
    service = resources["Service"]
    assert (
        monitor["spec"]["selector"]["matchLabels"].items() <= service["metadata"]["labels"].items()
    )
    (endpoint,) = monitor["spec"]["endpoints"]
    assert endpoint["port"] in {p["name"] for p in service["spec"]["ports"]}
    assert endpoint["path"] == annotations["prometheus.io/path"]


def test_the_monitoring_autoscaler_adds_a_request_rate_the_adapter_serves(
    resources: dict[str, dict[str, Any]],
) -> None:
    base, scaled = resources["HorizontalPodAutoscaler"], monitoring("HorizontalPodAutoscaler")
    cpu, pods = scaled["spec"]["metrics"]
    assert cpu == base["spec"]["metrics"][0]  # the same autoscaler, one metric more
    assert {**scaled["spec"], "metrics": base["spec"]["metrics"]} == base["spec"]
    assert scaled["metadata"] == base["metadata"]  # it replaces ../hpa.yaml when applied
    rules = yaml.safe_load(monitoring("ConfigMap")["data"]["rules.yaml"])["rules"]
    served = {rule["name"]["as"]: rule["seriesQuery"].split("{")[0] for rule in rules}
    assert pods["type"] == "Pods" and pods["pods"]["metric"]["name"] in served
    exposed = {family.name for family in Metrics().registry.collect()}
    assert {series.removesuffix("_total") for series in served.values()} <= exposed
