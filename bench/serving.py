"""Serving benchmark: the service against the compute limit, the HTTP floor and a torch baseline.

    python -m bench.serving                    # about 8 minutes on 2 cores; needs wrk
    python -m bench.serving --seconds 2 --rounds 1 --digits 64      # a quick look

Contenders, all on the shipped model and the same MNIST test digits as PNG uploads:
(a) `compute`: the service's own steps in-process, no HTTP (bench/compute.py);
(b) `floor`: no-op routes on the same server + FastAPI stack (bench/floor.py), in as many
    processes as ccvae-serve starts by default (granian, one worker per core);
(c) `service`: ccvae-serve as shipped (one process per core, micro-batching on), and again in
    one process, and with --no-batching;
(d) `baseline`: the same network in torch eager behind a minimal FastAPI route
    (bench/baseline.py), with torch's default threads and with one thread.
Every HTTP contender runs at once on its own port and wrk visits them in turn, round after round,
so that whatever else the machine does falls on all of them alike; each figure is the median over
rounds. Prints Markdown for docs/benchmarks.md and writes the raw figures as JSON.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import tempfile
import time
from dataclasses import asdict
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from bench import compute, workload, wrk
from bench.server import REPO, Server, ccvae_serve, free_port, shipped_stack, uvicorn_factory

CONCURRENCY = (1, 8, 64)
ENDPOINTS = ("/classify", "/generate")
STARTS = 3  # cold starts of ccvae-serve timed to ready
PACKAGES = ("fastapi", "starlette", "granian", "uvicorn", "uvloop", "httptools", "python-multipart",
            "pydantic", "onnxruntime", "numpy", "pillow", "torch")  # fmt: skip
SERVICES = ("service", "service 1-process", "service no-batching")
BASELINES = ("baseline", "baseline 1-thread")


def contenders(log_dir: Path) -> list[Server]:
    """Every HTTP contender, each on its own free loopback port, none started yet."""

    def server(name: str, command: list[str], port: int, **env: str) -> Server:
        return Server(name, command, port, log_dir / f"{name.replace(' ', '-')}.log", env)

    p = [free_port() for _ in range(6)]
    return [
        server("floor", shipped_stack("bench.floor:create_app", p[0]), p[0]),
        server("service", ccvae_serve(p[1]), p[1]),
        server("service 1-process", ccvae_serve(p[2], "--workers", "1"), p[2]),
        server("service no-batching", ccvae_serve(p[3], "--no-batching"), p[3]),
        server("baseline", uvicorn_factory("bench.baseline:create_app", p[4]), p[4]),
        server(
            "baseline 1-thread",
            uvicorn_factory("bench.baseline:create_app", p[5]),
            p[5],
            BASELINE_THREADS="1",
        ),
    ]


def environment() -> dict[str, object]:
    """The machine and the versions that the figures were taken on."""
    lines = Path("/proc/cpuinfo").read_text().splitlines()
    cpu = next((x.split(":", 1)[1].strip() for x in lines if x.startswith("model name")), "?")
    versions = {}
    for name in PACKAGES:
        try:
            versions[name] = version(name)
        except PackageNotFoundError:
            versions[name] = "absent"
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "load_average_at_start": os.getloadavg(),
        "python": platform.python_version(),
        "versions": versions,
        "date": time.strftime("%Y-%m-%d %H:%M"),
    }


def startup_seconds(log_dir: Path) -> list[float]:
    """Spawn-to-ready of ccvae-serve on the shipped model, a fresh process each time."""
    times = []
    for i in range(STARTS):
        port = free_port()
        with Server("start", ccvae_serve(port), port, log_dir / f"start-{i}.log") as s:
            times.append(s.ready_s)
    return times


def settle(server: Server, timeout: float = 60.0) -> None:
    """Wait until the server has worked off what the last run left queued (CPU below 10 %),
    so that its tail does not fall on the next contender's run."""
    deadline = time.monotonic() + timeout
    before = server.cpu_seconds()
    while time.monotonic() < deadline:
        time.sleep(0.25)
        now = server.cpu_seconds()
        if now - before < 0.025:
            return
        before = now


def load(servers: list[Server], sets: dict[str, Path], seconds: float, rounds: int) -> dict:
    """wrk over every (endpoint, concurrency, contender), round robin; raw rows per key."""
    runs: dict[str, list[dict[str, float]]] = {}
    for s in servers:  # warm-up: allocators, lazy imports, onnxruntime's first batch sizes
        for endpoint in ENDPOINTS:
            wrk.run(s.url, sets[endpoint], 8, 1)
    for r in range(rounds):
        for endpoint in ENDPOINTS:
            for c in CONCURRENCY:
                for s in servers:
                    cpu = s.cpu_seconds()
                    result = wrk.run(s.url, sets[endpoint], c, seconds)
                    settle(s)
                    cpu_ms = 1000 * (s.cpu_seconds() - cpu) / max(1, result.requests)
                    row = {**asdict(result), "rps": result.rps, "cpu_ms": cpu_ms}
                    runs.setdefault(f"{s.name}|{endpoint}|{c}", []).append(row)
                    print(
                        f"round {r + 1} {endpoint} c={c} {s.name}: {result.rps:.0f} req/s, "
                        f"p50 {result.p50_ms:.2f} ms, {result.errors} errors",
                        flush=True,
                    )
    return runs


def run(args: argparse.Namespace, work: Path) -> dict[str, object]:
    wrk.require()
    sets = {
        "/classify": workload.write(workload.classify_requests(args.digits), work / "classify"),
        "/generate": workload.write(workload.generate_requests(args.digits), work / "generate"),
    }
    pngs = [workload.png(image) for image in workload.mnist_test_digits(args.digits)[0]]
    env = environment()
    print("(a) compute limit, in-process ...", flush=True)
    limits = {k: asdict(v) for k, v in compute.measure(pngs, args.digits).items()}
    print("start-up to ready ...", flush=True)
    starts = startup_seconds(work)
    servers = contenders(work)
    try:
        for s in servers:
            s.start()
            print(f"{s.name}: ready in {s.ready_s:.2f} s", flush=True)
        runs = load(servers, sets, args.seconds, args.rounds)
        rss = {s.name: s.rss_mib() for s in servers}
    finally:
        for s in servers:
            s.stop()
    figures = {
        key: {
            "rps": statistics.median(r["rps"] for r in rows),
            "p50_ms": statistics.median(r["p50_ms"] for r in rows),
            "p99_ms": statistics.median(r["p99_ms"] for r in rows),
            "cpu_ms": statistics.median(r["cpu_ms"] for r in rows),
            "errors": sum(int(r["errors"]) for r in rows),
        }
        for key, rows in runs.items()
    }
    return {
        "environment": env,
        "parameters": {k: str(v) for k, v in vars(args).items()},
        "compute": limits,
        "startup_s": starts,
        "ready_s": {s.name: s.ready_s for s in servers},
        "rss_mib_after": rss,
        "http": figures,
        "runs": runs,
    }


def markdown(result: dict) -> str:
    """The tables of docs/benchmarks.md: figures per contender, then ratios beside targets."""
    http, limits = result["http"], result["compute"]

    def get(name: str, endpoint: str, c: int, what: str) -> float:
        return float(http[f"{name}|{endpoint}|{c}"][what])

    lines = []
    for endpoint in ENDPOINTS:
        a = limits[endpoint]
        lines += [
            f"**{endpoint}**",
            "",
            "| contender | p50 @1 (ms) | p99 @1 (ms) | req/s @1 | req/s @8 | req/s @64 "
            "| CPU ms/req @64 | errors |",
            "|---|---:|---:|---:|---:|---:|---:|---:|",
            f"| (a) compute, in-process | {a['p50_ms']:.2f} | {a['p99_ms']:.2f} | "
            f"{1000 / a['p50_ms']:.0f} | – | {a['rps_batched']:.0f} (batches of 64) | – | – |",
        ]
        names = ["floor", *SERVICES, *BASELINES]
        labels = ("(b)", "(c)", "(c)", "(c)", "(d)", "(d)")
        for label, name in zip(labels, names, strict=True):
            rps = " | ".join(f"{get(name, endpoint, c, 'rps'):.0f}" for c in CONCURRENCY)
            errors = sum(get(name, endpoint, c, "errors") for c in CONCURRENCY)
            lines.append(
                f"| {label} {name} | {get(name, endpoint, 1, 'p50_ms'):.2f} | "
                f"{get(name, endpoint, 1, 'p99_ms'):.2f} | {rps} | "
                f"{get(name, endpoint, 64, 'cpu_ms'):.2f} | {errors:.0f} |"
            )
        lines.append("")

    lines += ["| target | /classify | /generate | met |", "|---|---:|---:|---|"]

    def row(label: str, ratios: dict[str, float], met: bool) -> None:
        cells = " | ".join(f"{ratios[e]:.2f}×" for e in ENDPOINTS)
        lines.append(f"| {label} | {cells} | {'yes' if met else '**no**'} |")

    for s in SERVICES:
        floor = {e: get(s, e, 64, "rps") / get("floor", e, 64, "rps") for e in ENDPOINTS}
        row(f"{s}: req/s @64 ÷ floor's (≥ 0.85×)", floor, min(floor.values()) >= 0.85)
        for b in BASELINES:
            base = {e: get(s, e, 64, "rps") / get(b, e, 64, "rps") for e in ENDPOINTS}
            row(f"{s}: req/s @64 ÷ {b}'s (≥ 2×)", base, min(base.values()) >= 2.0)
        p50 = {e: get(s, e, 1, "p50_ms") / get("floor", e, 1, "p50_ms") for e in ENDPOINTS}
        row(f"{s}: p50 @1 ÷ floor's (≤ 1.3×)", p50, max(p50.values()) <= 1.3)
    starts = result["startup_s"]
    ready = statistics.median(starts)
    lines += [
        "",
        f"Start-up to ready (ccvae-serve, shipped model, {len(starts)} cold starts): median "
        f"{ready:.2f} s (runs: {', '.join(f'{t:.2f}' for t in starts)}); target ≤ 2 s: "
        f"{'met' if ready <= 2.0 else '**not met**'}.",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__.splitlines()[0], formatter_class=argparse.ArgumentDefaultsHelpFormatter
    )
    parser.add_argument("--seconds", type=float, default=4.0, help="length of each wrk run")
    parser.add_argument("--rounds", type=int, default=3, help="rounds over all contenders")
    parser.add_argument("--digits", type=int, default=256, help="MNIST test digits replayed")
    parser.add_argument("--json", type=Path, default=REPO / "bench" / "results" / "serving.json")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="ccvae-bench-") as tmp:
        result = run(args, Path(tmp))
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(result, indent=1))
    print(json.dumps(result["environment"], indent=1))
    print(markdown(result))


if __name__ == "__main__":
    main()
