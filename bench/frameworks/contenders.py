"""The contenders of the comparison, and how each is started on a free loopback port.

Every contender runs in its own process group, so stopping it stops what it spawned too
(BentoML's workers, LitServe's inference process, PyTriton's tritonserver, the local Ray that
`serve run` starts).
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from bench.frameworks.model import BATCH_LOG, WORKERS
from bench.frameworks.venvs import Venv
from bench.server import (
    HOST,
    REPO,
    Server,
    ccvae_serve,
    free_port,
    shipped_stack,
    uvicorn_factory,
)
from service.settings import Settings, process_layout

SAME_WORK = "service --no-ood"
"""The service with its out-of-distribution score off, so that it does what each framework does."""
FRAMEWORKS = ("BentoML", "LitServe", "Triton", "Ray Serve", "Ray Serve x2")
RAY_CONFIG = REPO / "deploy" / "ray" / "config.yaml"


def group_pids(pgid: int) -> list[int]:
    """Live processes of a process group, from /proc (Linux)."""
    pids = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:  # gone since the listing
            continue
        if int(fields[2]) == pgid:
            pids.append(int(stat.parent.name))
    return pids


def _sum(pids: list[int], read: Callable[[int], float]) -> float:
    total = 0.0
    for pid in pids:
        try:
            total += read(pid)
        except (OSError, RuntimeError, IndexError):  # a process that ended meanwhile
            continue
    return total


class GroupServer(Server):
    """A Server that leads its own process group: CPU, memory and stop cover all of it."""

    def start(self, timeout: float = 180.0) -> GroupServer:
        # NOTE: `setsid` execs in place (the child is no group leader), so the pid is the app's
        self.command = ["setsid", *self.command]
        super().start(timeout)
        return self

    def cpu_seconds(self) -> float:
        from bench.server import cpu_seconds

        assert self.process is not None
        return _sum(group_pids(self.process.pid), cpu_seconds)

    def rss_mib(self) -> float:
        from bench.server import rss_mib

        assert self.process is not None
        return _sum(group_pids(self.process.pid), rss_mib)

    def stop(self) -> int | None:
        """SIGTERM to the whole group, then SIGKILL to whatever is left of it after 30 s."""
        if self.process is None:
            return None
        pgid = self.process.pid
        with contextlib.suppress(ProcessLookupError):
            os.killpg(pgid, signal.SIGTERM)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(timeout=30)
        deadline = time.monotonic() + 10
        while group_pids(pgid) and time.monotonic() < deadline:
            time.sleep(0.2)
        if group_pids(pgid):
            os.killpg(pgid, signal.SIGKILL)
        self.process.wait()
        return self.process.returncode


@dataclass(frozen=True)
class Contender:
    """One server of the comparison: which venv it needs, how it starts, where its batches show."""

    name: str
    venv: str | None  # None: the project's own venv
    batches: str  # "metrics" (the service's /metrics), "log" ($BENCH_BATCH_LOG) or "none"
    ready_path: str
    command: Callable[[int, Venv | None, Path], list[str]]  # port, venv, work folder
    note: str = ""
    must_match: bool = True  # service.imaging + the ONNX files: every label must match
    env: dict[str, str] = field(default_factory=dict)

    @property
    def stem(self) -> str:
        return self.name.lower().replace(" ", "-")

    def batch_log(self, log_dir: Path) -> Path:
        """Where a framework app appends its batch sizes (bench/frameworks/model.py)."""
        return log_dir / f"{self.stem}.batches"

    def server(self, venv: Venv | None, log_dir: Path) -> GroupServer:
        port = free_port()
        env = {**self.env, BATCH_LOG: str(self.batch_log(log_dir)), WORKERS: str(shipped_workers())}
        if self.name == "BentoML":
            env["BENTOML_HOME"] = str(log_dir / "bentoml-home")  # not ~/bentoml
        if self.name == "Triton" and venv is not None:
            # NOTE: PyTriton's Python-backend stub links the system's libpython3.11; under
            # another 3.11 build its standard library does not match (RLock._recursion_count),
            # so the interpreter's own libpython goes first. The only change to any contender.
            env["LD_LIBRARY_PATH"] = ":".join(
                x for x in (venv.libdir(), os.environ.get("LD_LIBRARY_PATH")) if x
            )
        return GroupServer(
            self.name, self.command(port, venv, log_dir), port, log_dir / f"{self.stem}.log", env,
            ready_path=self.ready_path,
        )  # fmt: skip


def _bentoml(port: int, venv: Venv | None, log_dir: Path) -> list[str]:
    assert venv is not None
    return [venv.bin("bentoml"), "serve", "bench.frameworks.bentoml_service:Classifier",
            "--host", HOST, "--port", str(port)]  # fmt: skip


def _litserve(port: int, venv: Venv | None, log_dir: Path) -> list[str]:
    assert venv is not None
    return [str(venv.python), "-m", "bench.frameworks.litserve_app", "--host", HOST,
            "--port", str(port)]  # fmt: skip


def _triton(port: int, venv: Venv | None, log_dir: Path) -> list[str]:
    assert venv is not None
    ports = [str(free_port()) for _ in range(3)]
    return [str(venv.python), "-m", "bench.frameworks.pytriton_app", "--port", str(port),
            "--triton-ports", *ports, "--workspace", str(log_dir / "triton-workspace")]  # fmt: skip


def _ray_serve(replicas: int) -> Callable[[int, Venv | None, Path], list[str]]:
    """`serve run deploy/ray/config.yaml` on `port`, with `replicas` fixed (no autoscaling):
    the service's app in each replica, behind Ray's HTTP proxy, on a local Ray it starts."""

    def command(port: int, venv: Venv | None, log_dir: Path) -> list[str]:
        assert venv is not None
        config = yaml.safe_load(RAY_CONFIG.read_text())
        config["http_options"]["port"] = port
        ((deployment,),) = [app["deployments"] for app in config["applications"]]
        del deployment["autoscaling_config"]
        deployment["num_replicas"] = replicas
        path = log_dir / f"ray-serve-{replicas}.yaml"
        path.write_text(yaml.safe_dump(config))
        return [venv.bin("serve"), "run", str(path)]

    return command


def shipped_workers() -> int:
    """The processes ccvae-serve starts by default on this machine (one per core)."""
    return process_layout(Settings()).workers


CONTENDERS = (
    Contender("service", None, "metrics", "/health/ready", lambda p, _, __: ccvae_serve(p),
              "ccvae-serve as shipped"),
    Contender(SAME_WORK, None, "metrics", "/health/ready",
              lambda p, _, __: ccvae_serve(p, "--no-ood"),
              "ccvae-serve doing the frameworks' work: encoder and classifier, no "
              "out-of-distribution score (a decoder pass more per digit when on)"),
    Contender("floor", None, "none", "/health/ready",
              lambda p, _, __: shipped_stack("bench.floor:create_app", p),
              "no model: the HTTP stack alone (bench/floor.py)", must_match=False),
    Contender("baseline", None, "none", "/health/ready",
              lambda p, _, __: uvicorn_factory("bench.baseline:create_app", p),
              "torch eager, one image per request, Pillow resize (bench/baseline.py)",
              must_match=False),
    Contender("BentoML", "bentoml", "log", "/readyz", _bentoml,
              "@bentoml.service, batchable API (bench/frameworks/bentoml_service.py)",
              env={"BENTOML_DO_NOT_TRACK": "True"}),
    Contender("LitServe", "litserve", "log", "/health", _litserve,
              "LitAPI with batching (bench/frameworks/litserve_app.py)"),
    Contender("Triton", "pytriton", "log", "/health/ready", _triton,
              "PyTriton + FastAPI front (bench/frameworks/pytriton_app.py)"),
    Contender("Ray Serve", "ray", "none", "/health/ready", _ray_serve(1),
              "the service's app, 1 replica behind Ray's proxy (deploy/ray/config.yaml)",
              env={"RAY_USAGE_STATS_ENABLED": "0"}),
    Contender("Ray Serve x2", "ray", "none", "/health/ready", _ray_serve(2),
              "the same, 2 replicas (one per core) behind Ray's proxy",
              env={"RAY_USAGE_STATS_ENABLED": "0"}),
)  # fmt: skip
"""In the order they are run; the first four run from the project's own venv."""
