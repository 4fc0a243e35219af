"""Ray Serve: deploy/ray/config.yaml run by `serve run` on a local Ray that the test starts,
answering through Ray's HTTP proxy, replacing a replica that is killed, with limits that are the
service's own."""

from __future__ import annotations

import base64
import os
import subprocess
import sys
import time
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import pytest
import yaml

from bench.server import free_port
from service.settings import Settings
from tests.service.conftest import png
from tests.service.conftest import serve as serve_app
from tests.service.mnist_idx import REPO, load_test_set

# NOTE: Ray's own pydantic models use keywords that pydantic 2 deprecates; the suite takes
# warnings as errors, so Ray is imported with them silenced.
with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    if os.environ.get("CI") is None:
        ray = pytest.importorskip("ray", reason="the ray extra is not installed")
    else:  # scripts/test installs the ray extra: CI always runs these
        import ray
    from ray import serve

    from service.ray_deployment import get_status

CONFIG = REPO / "deploy" / "ray" / "config.yaml"
SERVE = Path(sys.executable).parent / "serve"
APP = "ccvae"


@pytest.fixture(scope="module")
def config() -> dict[str, Any]:
    return yaml.safe_load(CONFIG.read_text())


def deployment(config: dict[str, Any]) -> dict[str, Any]:
    (application,) = config["applications"]
    (options,) = application["deployments"]
    return dict(options)


def test_config_is_a_valid_serve_config_on_loopback(config: dict[str, Any]) -> None:
    from ray.serve.schema import ServeDeploySchema

    ServeDeploySchema.model_validate(config)
    assert config["http_options"]["host"] == "127.0.0.1"
    (application,) = config["applications"]
    assert application["import_path"] == "service.ray_deployment:build"


def test_config_maps_rays_request_limits_onto_the_services_own(config: dict[str, Any]) -> None:
    (application,) = config["applications"]
    settings = Settings(**application["args"]["settings"])
    options = deployment(config)
    # a replica holds no more requests than its micro-batcher merges into one model call
    assert options["max_ongoing_requests"] == settings.max_batch
    assert options["autoscaling_config"]["target_ongoing_requests"] == settings.max_batch // 2
    assert options["max_queued_requests"] == 4 * settings.max_batch
    assert options["autoscaling_config"]["min_replicas"] >= 2
    assert options["health_check_period_s"] > 0


def test_health_check_asks_the_apps_readiness() -> None:
    from service.app import create_app

    settings = Settings(model_dir=REPO / "models" / "ccvae-mnist", threads=1)
    unloaded = create_app(settings)  # its lifespan has not run: no model
    with serve_app(settings) as client:
        assert client.portal.call(get_status, client.app, "/health/ready") == 200
        assert client.portal.call(get_status, unloaded, "/health/ready") == 503


def replicas() -> list[str]:
    """Names of the live replica actors of the app's deployment."""
    return sorted(
        a["name"]
        for a in ray.util.list_named_actors(all_namespaces=True)
        if a["name"].startswith(f"SERVE_REPLICA::{APP}#")
    )


def running(want: int) -> bool:
    """Whether the deployment is healthy with `want` replicas running."""
    application = serve.status().applications.get(APP)
    deployment_status = application and application.deployments.get("ccvae")
    return (
        deployment_status is not None
        and deployment_status.status == "HEALTHY"
        and deployment_status.replica_states.get("RUNNING", 0) == want
    )


def wait_for(condition: Any, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"no {what} after {timeout:.0f} s: {serve.status()}")
        time.sleep(0.5)


@pytest.fixture(scope="module")
def proxy(config: dict[str, Any], tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """`serve run deploy/ray/config.yaml` (on a free port) against a local Ray started here."""
    port = free_port()
    local = {**config, "http_options": {**config["http_options"], "port": port}}
    path = tmp_path_factory.mktemp("ray") / "config.yaml"
    path.write_text(yaml.safe_dump(local))
    context = ray.init(num_cpus=4, include_dashboard=False, namespace="serve", log_to_driver=False)
    try:
        submitted = subprocess.run(
            [str(SERVE), "run", "--non-blocking", "--address",
             context.address_info["gcs_address"], str(path)],
            cwd=REPO, capture_output=True, text=True, timeout=120,
        )  # fmt: skip
        assert submitted.returncode == 0, submitted.stderr[-2000:]
        wanted = deployment(config)["autoscaling_config"]["initial_replicas"]
        wait_for(lambda: running(wanted), 240, "running app")
        yield f"http://127.0.0.1:{port}"
    finally:
        serve.shutdown()
        ray.shutdown()


@pytest.fixture(scope="module")
def digits(mnist_dir: Path) -> tuple[np.ndarray, np.ndarray]:
    images, labels = load_test_set(mnist_dir)
    return images[:16], labels[:16]


def classify(url: str, pngs: list[bytes]) -> list[int]:
    files = [("file", (f"{i}.png", data, "image/png")) for i, data in enumerate(pngs)]
    response = httpx.post(url + "/classify", files=files, timeout=30)
    assert response.status_code == 200, response.text
    body = response.json()
    return [p["label"] for p in (body if isinstance(body, list) else [body])]


def test_classify_a_png_through_rays_proxy(proxy: str, digits: tuple[np.ndarray, Any]) -> None:
    images, labels = digits
    assert classify(proxy, [png(images[0])]) == [labels[0]]
    read = classify(proxy, [png(image) for image in images])
    assert np.mean(np.array(read) == labels) >= 15 / 16


def test_generate_a_7_through_rays_proxy(proxy: str) -> None:
    response = httpx.post(
        proxy + "/generate", params={"label": "7", "n": 4, "seed": 7, "format": "json"}, timeout=30
    )
    assert response.status_code == 200, response.text
    drawn = [base64.b64decode(image["png"]) for image in response.json()["images"]]
    assert classify(proxy, drawn).count(7) >= 3


def test_a_killed_replica_is_replaced_and_the_service_stays_up(
    proxy: str, digits: tuple[np.ndarray, Any], config: dict[str, Any]
) -> None:
    before = replicas()
    wanted = deployment(config)["autoscaling_config"]["initial_replicas"]
    assert len(before) == wanted
    victim = before[0]
    ray.kill(ray.get_actor(victim, namespace="serve"), no_restart=True)
    wait_for(lambda: victim not in replicas(), 30, "end of the killed replica")
    # the other replica answers meanwhile
    images, labels = digits
    assert classify(proxy, [png(images[1])]) == [labels[1]]
    wait_for(lambda: len(replicas()) == wanted and running(wanted), 180, "replacement replica")
    after = replicas()
    assert victim not in after and before[1] in after
    assert httpx.get(proxy + "/health/ready", timeout=10).status_code == 200
    assert classify(proxy, [png(images[2])]) == [labels[2]]


def test_kuberays_rayservice_deploys_the_same_application(config: dict[str, Any]) -> None:
    from ray.serve.schema import ServeDeploySchema

    service = yaml.safe_load((CONFIG.parent / "rayservice.yaml").read_text())
    assert service["apiVersion"] == "ray.io/v1" and service["kind"] == "RayService"
    in_cluster = yaml.safe_load(service["spec"]["serveConfigV2"])
    ServeDeploySchema.model_validate(in_cluster)
    assert in_cluster["applications"] == config["applications"]
    assert in_cluster["http_options"]["host"] == "0.0.0.0"  # in a pod, behind its Service
    cluster = service["spec"]["rayClusterConfig"]
    pods = [cluster["headGroupSpec"], *cluster["workerGroupSpecs"]]
    for pod in pods:
        (container,) = pod["template"]["spec"]["containers"]
        assert container["image"] == "ccvae-mnist:ray" and container["resources"]["limits"]
        assert pod["template"]["spec"]["securityContext"]["runAsNonRoot"]
