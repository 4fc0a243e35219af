"""What observability costs: this checkout's ccvae-serve against another's, in one run.

    python -m bench.observability --before /work/main/.venv/bin/ccvae-serve   # ~3 min; needs wrk

Both servers run at once as shipped (granian, one worker per core, micro-batching on; metrics
on, tracing off as by default, access log off), on the shipped model, each on its own port; wrk
visits them in turn on /classify, round after round, at 1 and 64 keep-alive clients, so that
whatever else the machine does falls on both alike. Each figure is the median over the rounds;
the ratios are after ÷ before. Server CPU time per request (all its processes) is the steadiest
figure on a shared machine. Prints Markdown for docs/benchmarks.md and writes the raw rows.
"""

from __future__ import annotations

import argparse
import json
import signal
import statistics
import sys
import tempfile
import time
from dataclasses import asdict
from pathlib import Path

from bench import workload, wrk
from bench.server import REPO, Server, free_port
from bench.serving import settle

CONCURRENCY = (1, 64)
FIGURES = (("rps", "req/s", 0), ("p50_ms", "p50 (ms)", 3), ("cpu_ms", "server CPU ms/req", 3))
MODEL = REPO / "models" / "ccvae-mnist"


def contenders(before: Path, log_dir: Path) -> list[Server]:
    """The other checkout's ccvae-serve ('before') and this one's ('after'), not started."""
    after = Path(__file__).resolve().parents[1] / ".venv" / "bin" / "ccvae-serve"
    servers = []
    for name, script in (("before", before), ("after", after)):
        port = free_port()
        command = [str(script), "--port", str(port), "--model-dir", str(MODEL)]
        servers.append(Server(name, command, port, log_dir / f"{name}.log"))
    return servers


def measure(servers: list[Server], requests: Path, seconds: float, rounds: int) -> dict:
    """wrk over every (concurrency, contender), round robin; raw rows per key."""
    runs: dict[str, list[dict[str, float]]] = {}
    for s in servers:  # warm-up
        wrk.run(s.url, requests, 8, 1)
    for r in range(rounds):
        for c in CONCURRENCY:
            for s in servers if r % 2 == 0 else servers[::-1]:  # neither always goes first
                cpu = s.cpu_seconds()
                result = wrk.run(s.url, requests, c, seconds)
                settle(s)
                cpu_ms = 1000 * (s.cpu_seconds() - cpu) / max(1, result.requests)
                row = {**asdict(result), "rps": result.rps, "cpu_ms": cpu_ms}
                runs.setdefault(f"{s.name}|{c}", []).append(row)
                p50, errors = result.p50_ms, result.errors
                print(f"round {r + 1} c={c} {s.name}: {result.rps:.0f} req/s, p50 {p50:.3f} ms, "
                      f"{cpu_ms:.3f} CPU ms/req, {errors} errors", flush=True)  # fmt: skip
    return runs


def markdown(runs: dict) -> str:
    def median(name: str, c: int, what: str) -> float:
        return statistics.median(row[what] for row in runs[f"{name}|{c}"])

    lines = [
        "| clients | figure (median of rounds) | before | after | after ÷ before |",
        "|---|---|---|---|---|",
    ]
    for c in CONCURRENCY:
        for what, label, digits in FIGURES:
            before, after = (median(n, c, what) for n in ("before", "after"))
            lines.append(
                f"| {c} | {label} | {before:.{digits}f} | {after:.{digits}f} "
                f"| {after / before:.3f} |"
            )
    errors = sum(row["errors"] for rows in runs.values() for row in rows)
    return "\n".join(lines) + f"\n\nFailed or non-2xx requests, all runs: {errors}."


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--before", type=Path, required=True, help="the other ccvae-serve")
    parser.add_argument("--seconds", type=float, default=10.0, help="per wrk run")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--digits", type=int, default=200, help="MNIST test digits replayed")
    parser.add_argument("--out", type=Path, default=REPO / "bench/results/observability.json")
    args = parser.parse_args(argv)
    wrk.require()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))  # stop both servers on the way out
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        requests = workload.write(workload.classify_requests(args.digits), work / "classify")
        servers = contenders(args.before, work)
        try:
            for s in servers:
                s.start()
            started = time.strftime("%Y-%m-%d %H:%M")
            runs = measure(servers, requests, args.seconds, args.rounds)
        finally:
            for s in servers:
                s.stop()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps({"date": started, "args": vars(args) | {
        "before": str(args.before), "out": str(args.out)}, "runs": runs}, indent=1))  # fmt: skip
    print(f"\n`python -m bench.observability --before {args.before}` on {started}:\n")
    print(markdown(runs))


if __name__ == "__main__":
    main()
