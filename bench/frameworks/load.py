"""One load point: a tool (ab or wrk) at a number of clients, with every failure counted apart.

bench/wrk.py sums wrk's socket errors and non-2xx answers into one figure; the comparison has
to tell a framework that answers 503 from one that drops connections, so it reads wrk's JSON
line (bench/replay.lua) itself.
"""

from __future__ import annotations

import json
import subprocess
from dataclasses import asdict, dataclass, field
from pathlib import Path

from bench import ab, wrk

TOOLS = ("ab", "wrk")
"""ab: a new connection per request; wrk: HTTP/1.1 keep-alive."""


@dataclass(frozen=True)
class Point(ab.Result):
    """One run's figures (ab's or wrk's, the same fields) with the tool and the client count."""

    tool: str = field(kw_only=True)
    clients: int = field(kw_only=True)


def parse_wrk(stdout: str, clients: int) -> Point:
    """A Point from the `WRK_JSON {...}` line that bench/replay.lua prints at the end."""
    line = next((x for x in stdout.splitlines() if x.startswith("WRK_JSON ")), None)
    if line is None:
        raise ValueError(f"wrk printed no WRK_JSON line:\n{stdout[-2000:]}")
    r = json.loads(line.removeprefix("WRK_JSON "))
    return Point(
        tool="wrk",
        clients=clients,
        requests=int(r["requests"]),
        seconds=r["duration_us"] / 1e6,
        p50_ms=r["p50_us"] / 1e3,
        p99_ms=r["p99_us"] / 1e3,
        non_2xx=int(r["status"]),
        failed=sum(int(r[k]) for k in ("connect", "read", "write", "timeout")),
    )


def run_wrk(url: str, request_set: Path, clients: int, seconds: float) -> Point:
    """Replay the request set with `clients` keep-alive connections for `seconds`."""
    command = [
        wrk.require(), "--threads", "1", "--connections", str(clients),
        "--duration", f"{max(1, round(seconds))}s", "--timeout", "30s",
        "--script", str(wrk.SCRIPT), url, "--", str(request_set),
    ]  # fmt: skip
    done = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 120)
    try:
        return parse_wrk(done.stdout, clients)
    except ValueError:
        last = (done.stderr.strip() or f"exit status {done.returncode}").splitlines()[-1]
        nothing = ab.Result(0, 0.0, float("nan"), float("nan"), 0, 0, aborted=last)
        return Point(**asdict(nothing), tool="wrk", clients=clients)


def run_ab(url: str, body: Path, content_type: str, clients: int, seconds: float) -> Point:
    """POST one body with `clients` concurrent clients, a new connection each, for `seconds`."""
    return Point(**asdict(ab.run(url, body, content_type, clients, seconds)), tool="ab",
                 clients=clients)  # fmt: skip
