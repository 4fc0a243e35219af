"""A server under test: started as its own process on a free loopback port, timed to ready.

Every contender runs under the same uvicorn (same event loop, same HTTP parser, same log level)
so that only the application differs.
"""

from __future__ import annotations

import os
import random
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from service.settings import Settings, process_layout

HOST = "127.0.0.1"  # NOTE: load is only ever sent to the loopback interface
BIN = Path(sys.executable).parent
REPO = Path(__file__).resolve().parents[1]


def free_port() -> int:
    """A loopback port free now, and below the kernel's ephemeral range (and above Ray's worker
    ports, 10002-19999), so that no port-0 bind or outgoing connection in the meantime (Ray's
    gRPC servers, another test's client) can take it before the server binds it."""
    try:
        low = int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        low = 0
    for port in random.sample(range(20000, low), min(64, max(0, low - 20000))):
        with socket.socket() as s:
            try:
                s.bind((HOST, port))
            except OSError:
                continue
            return port
    with socket.socket() as s:  # no such range here: any port the kernel gives
        s.bind((HOST, 0))
        return int(s.getsockname()[1])


def uvicorn_factory(factory: str, port: int, workers: int = 1) -> list[str]:
    """The command serving `module:create_app` under uvicorn, in `workers` processes."""
    command = [str(BIN / "uvicorn"), "--factory", factory, "--host", HOST, "--port", str(port)]
    return command + (["--workers", str(workers)] if workers > 1 else [])


def shipped_stack(factory: str, port: int) -> list[str]:
    """The command serving `module:create_app` on the server and process layout that
    ccvae-serve uses by default, so a no-op app there is the floor under the shipped service."""

    settings = process_layout(Settings())
    if settings.server == "uvicorn":
        return uvicorn_factory(factory, port, settings.workers)
    return [str(BIN / "granian"), "--interface", "asgi", "--factory", "--host", HOST,
            "--port", str(port), "--workers", str(settings.workers), factory]  # fmt: skip


def ccvae_serve(port: int, *flags: str) -> list[str]:
    return [str(BIN / "ccvae-serve"), "--host", HOST, "--port", str(port), *flags]


def status(url: str, timeout: float = 2.0) -> int | None:
    """HTTP status of a GET, or None when nothing answers."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return int(response.status)
    except urllib.error.HTTPError as e:
        return e.code
    except (OSError, urllib.error.URLError):
        return None


def family(pid: int) -> list[int]:
    """A process and all its descendants (a server's worker processes), from /proc (Linux)."""
    pids = [pid]
    try:
        tasks = list(Path(f"/proc/{pid}/task").iterdir())
    except FileNotFoundError:
        return []
    for task in tasks:
        try:
            children = (task / "children").read_text().split()
        except FileNotFoundError:
            continue
        for child in children:
            pids += family(int(child))
    return pids


def rss_mib(pid: int) -> float:
    """Resident memory of a process and its descendants, from /proc (Linux)."""
    total = 0.0
    for member in family(pid):
        for line in Path(f"/proc/{member}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                total += int(line.split()[1]) / 1024
    return total


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of a process, its threads and its descendants, from /proc."""
    total = 0.0
    for member in family(pid):
        fields = Path(f"/proc/{member}/stat").read_text().rsplit(")", 1)[1].split()
        total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


@dataclass
class Server:
    """A running server process; `ready_s` is the time from spawn to the first 200 of `ready`."""

    name: str
    command: list[str]
    port: int
    log: Path
    env: dict[str, str] = field(default_factory=dict)
    ready_path: str = "/health/ready"
    process: subprocess.Popen[bytes] | None = None
    ready_s: float = float("nan")

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}"

    def start(self, timeout: float = 120.0) -> Server:
        env = {**os.environ, **self.env}
        with self.log.open("wb") as log:
            t0 = time.perf_counter()
            self.process = subprocess.Popen(
                self.command, stdout=log, stderr=subprocess.STDOUT, env=env, cwd=REPO
            )
        while status(self.url + self.ready_path, timeout=1.0) != 200:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.name} exited: {self.log.read_text()[-2000:]}")
            if time.perf_counter() - t0 > timeout:
                self.stop()
                raise RuntimeError(f"{self.name} not ready in {timeout} s")
            time.sleep(0.02)
        self.ready_s = time.perf_counter() - t0
        return self

    def rss_mib(self) -> float:
        assert self.process is not None
        return rss_mib(self.process.pid)

    def cpu_seconds(self) -> float:
        """User + system CPU time of the process, all its threads, so far."""
        assert self.process is not None
        return cpu_seconds(self.process.pid)

    def stop(self) -> int | None:
        """SIGTERM (uvicorn's graceful shutdown), then wait; returns the exit status."""
        if self.process is None:
            return None
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        return self.process.returncode

    def __enter__(self) -> Server:
        return self.start()

    def __exit__(self, *_: object) -> None:
        self.stop()
