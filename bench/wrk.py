"""Drive a server with wrk (a C load generator, light on the CPU it shares with the server).

A Python client would compete with the server for the same two cores and measure itself; wrk
holds 64 connections on one thread for a few percent of a core.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

SCRIPT = Path(__file__).with_name("replay.lua")
INSTALL = "wrk is not installed: apt-get install wrk (Debian/Ubuntu) or brew install wrk"


@dataclass(frozen=True)
class Result:
    """One wrk run: throughput, latency percentiles, and every kind of failed request."""

    requests: int
    seconds: float
    p50_ms: float
    p99_ms: float
    errors: int  # connect, read, write and timeout errors, and non-2xx/3xx answers

    @property
    def rps(self) -> float:
        return self.requests / self.seconds


def require() -> str:
    """The wrk executable, or exit saying how to install it."""
    path = shutil.which("wrk")
    if path is None:
        raise SystemExit(INSTALL)
    return path


def run(url: str, request_set: Path, connections: int, seconds: float) -> Result:
    """Replay `request_set` against `url` with `connections` closed-loop clients for `seconds`."""
    command = [
        require(),
        "--threads", "1",
        "--connections", str(connections),
        "--duration", f"{max(1, round(seconds))}s",
        "--timeout", "30s",
        "--script", str(SCRIPT),
        url,
        "--",
        str(request_set),
    ]  # fmt: skip
    out = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    line = next((x for x in out.splitlines() if x.startswith("WRK_JSON ")), None)
    if line is None:
        raise RuntimeError(f"wrk printed no result:\n{out}")
    r = json.loads(line.removeprefix("WRK_JSON "))
    errors = sum(r[k] for k in ("connect", "read", "write", "status", "timeout"))
    seconds, p50, p99 = r["duration_us"] / 1e6, r["p50_us"] / 1e3, r["p99_us"] / 1e3
    return Result(r["requests"], seconds, p50, p99, errors)
