"""The service as a Ray Serve deployment: the same FastAPI app, one per replica, behind Ray's proxy.

`serve run deploy/ray/config.yaml` builds it with `build(args)`; the config's `args.settings`
are `Settings` fields (as `CCVAE_*` variables would give them), and its deployment options set
the replicas, autoscaling and Ray's own request limits. Each replica builds the app with
`create_app` when Ray starts it (never at import), so the model is loaded and warmed up by the
app's lifespan before the replica takes requests, and released when Ray stops it. Ray calls
`check_health` every `health_check_period_s`: it asks the app's own `/health/ready`.

Needs the `ray` extra (`pip install -e '.[ray]'`); nothing else in the service imports this.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from ray import serve
from ray.serve.deployment import Application

from service.app import create_app
from service.settings import Settings

READY_PATH = "/health/ready"


async def get_status(app: FastAPI, path: str) -> int:
    """The status code of `GET path`, asked of the ASGI app in this process (no socket)."""
    status = 0

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "root_path": "",
        "query_string": b"",
        "headers": [(b"host", b"ray-health-check")],
        "client": ("127.0.0.1", 0),
        "server": ("127.0.0.1", 0),
    }
    await app(scope, receive, send)
    return status


@serve.deployment(name="ccvae")
@serve.ingress()
class CCVAEDeployment:
    """One replica: the service's app, built from its settings when the replica starts."""

    def __init__(self, settings: dict[str, Any] | None = None) -> None:
        self.service = create_app(Settings(**(settings or {})))

    def __serve_build_asgi_app__(self) -> FastAPI:
        return self.service

    async def check_health(self) -> None:
        """Ray's health check: the app's readiness, which fails while no model is loaded."""
        status = await get_status(self.service, READY_PATH)
        if status != 200:
            raise RuntimeError(f"{READY_PATH} answered {status}")


def build(args: dict[str, Any]) -> Application:
    """The application `serve run` deploys; `args.settings` are Settings fields."""
    return CCVAEDeployment.bind(args.get("settings"))
