"""Drive a server with ApacheBench (`ab`): a new TCP connection for every request.

wrk measures a client that keeps its connections; ab measures one that does not (HTTP/1.0, no
`-k`: uvicorn never answers an HTTP/1.0 client with `Connection: keep-alive`), so every request
pays for accept, a fresh parser and the close. ab sends one body over and over; its
percentiles come from its CSV (`-e`), which has microseconds where its summary has whole ms.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

INSTALL = "ab is not installed: apt-get install apache2-utils (Debian/Ubuntu)"


@dataclass(frozen=True)
class Result:
    """One ab run. `failed` counts connect, receive and exception failures; ab's "Length"
    failures are left out, since answers of different lengths are not errors here."""

    requests: int
    seconds: float
    p50_ms: float
    p99_ms: float
    non_2xx: int
    failed: int
    aborted: str | None = None  # ab's last words when it gave up before its time was up

    @property
    def rps(self) -> float:
        """Answers of any status per second."""
        return self.requests / self.seconds if self.seconds > 0 else 0.0

    @property
    def ok_rps(self) -> float:
        """2xx answers per second: what the targets count."""
        ok = max(0, self.requests - self.non_2xx)
        return ok / self.seconds if self.seconds > 0 else 0.0


def require() -> str:
    """The ab executable, or exit saying how to install it."""
    path = shutil.which("ab")
    if path is None:
        raise SystemExit(INSTALL)
    return path


def _number(pattern: str, text: str, default: float | None = None) -> float:
    match = re.search(pattern, text, re.MULTILINE)
    if match is None:
        if default is None:
            raise ValueError(f"ab output has no match for {pattern!r}:\n{text[-2000:]}")
        return default
    return float(match.group(1))


def percentile(csv: str, q: int) -> float:
    """The `q`th percentile, in ms, from ab's `-e` CSV (rows `percent,ms`, 0 to 100)."""
    for line in csv.splitlines()[1:]:
        percent, _, ms = line.partition(",")
        if percent.strip() == str(q):
            return float(ms)
    raise ValueError(f"ab's CSV has no {q}th percentile:\n{csv[:500]}")


def parse(stdout: str, csv: str, returncode: int = 0, stderr: str = "") -> Result:
    """Figures of one ab run from its summary and its percentile CSV."""
    if "Complete requests:" not in stdout:
        last = (stderr.strip() or stdout.strip() or f"exit status {returncode}").splitlines()
        return Result(0, 0.0, float("nan"), float("nan"), 0, 0, aborted=last[-1])
    failures = re.search(r"\(Connect: (\d+), Receive: (\d+), Length: \d+, Exceptions: (\d+)\)",
                         stdout)  # fmt: skip
    failed = sum(int(x) for x in failures.groups()) if failures else 0
    requests = int(_number(r"^Complete requests:\s+(\d+)", stdout))
    p50 = percentile(csv, 50) if requests else float("nan")
    p99 = percentile(csv, 99) if requests else float("nan")
    if p99 < p50:  # NOTE: ab indexes past its samples on very short runs and reads zeros
        p99 = float("nan")
    return Result(
        requests=requests,
        seconds=_number(r"^Time taken for tests:\s+([\d.]+) seconds", stdout),
        p50_ms=p50,
        p99_ms=p99,
        non_2xx=int(_number(r"^Non-2xx responses:\s+(\d+)", stdout, default=0)),
        failed=failed,
        aborted=(stderr.strip().splitlines() or ["?"])[-1] if returncode else None,
    )


def run(url: str, body: Path, content_type: str, concurrency: int, seconds: float) -> Result:
    """POST `body` to `url` from `concurrency` clients for `seconds`, a connection per request."""
    with tempfile.TemporaryDirectory(prefix="ab-") as tmp:
        csv = Path(tmp) / "percentiles.csv"
        command = [
            require(), "-q",
            "-r",  # NOTE: go on after a reset connection: a failure to count, not to stop at
            "-s", "30",
            "-t", str(max(1, round(seconds))),
            "-n", str(max(1000, round(seconds * 20_000))),  # after -t, which resets it; a cap
            "-c", str(concurrency),
            "-p", str(body), "-T", content_type,
            "-e", str(csv),
            url,
        ]  # fmt: skip
        done = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 120)
        text = csv.read_text() if csv.exists() else ""
        return parse(done.stdout, text, done.returncode, done.stderr)
