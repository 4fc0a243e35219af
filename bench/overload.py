"""Overload: ccvae-serve as shipped under an open-loop load of 1×, 2× and 4× its capacity.

    python -m bench.overload                      # 60 s per point, about 8 minutes; needs wrk
    python -m bench.overload --duration 20        # shorter points
    python -m bench.overload --frameworks LitServe BentoML Triton    # and the frameworks

For each endpoint (/classify with one MNIST digit; /generate?n=64, the heavy call): capacity is
what wrk's 64 closed-loop clients get answered per second; then bench/openloop.py sends requests
on a fixed schedule at each multiple of it, answered or not. Per point: goodput (2xx per second,
and as a share of capacity), the share refused with 503, p50/p99 of the admitted requests in each
sixth of the run (latency from when a request was due), the server's RSS at the start and the
end, every failure that is not a 503, and the client's own CPU (share of one core). Prints
Markdown for docs/benchmarks.md and writes the raw figures as JSON.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from bench import openloop, workload, wrk
from bench.frameworks import venvs
from bench.frameworks.contenders import CONTENDERS, FRAMEWORKS
from bench.server import REPO, Server, ccvae_serve, free_port
from bench.serving import settle

MULTIPLES = (1, 2, 4)
WINDOWS = 6
DIGITS = 256


@dataclass(frozen=True)
class Endpoint:
    name: str
    requests: list[workload.Request]


def endpoints() -> list[Endpoint]:
    heavy = [
        workload.Request("POST", f"/generate?label={i % 10}&seed={i}&n=64", None, b"")
        for i in range(DIGITS)
    ]
    return [
        Endpoint("/classify", workload.classify_requests(DIGITS)),
        Endpoint("/generate?n=64", heavy),
    ]


def sample_rss(server: Server, stop: threading.Event, into: list[float]) -> None:
    """The server's resident memory (all processes), every half second until stopped."""
    while not stop.wait(0.5):
        into.append(server.rss_mib())


def summarise(run: openloop.Run, capacity: float, rss: list[float], cpu_s: float) -> dict:
    """The figures of one point (latencies in ms)."""
    ok = (run.status >= 200) & (run.status < 300)
    shed = run.status == 503
    latency = (run.done - run.due) * 1000
    edges = np.linspace(0, run.seconds, WINDOWS + 1)
    windows = []
    for a, b in itertools.pairwise(edges):
        inside = ok & (run.due >= a) & (run.due < b)
        part = latency[inside]
        windows.append(
            [float(np.percentile(part, 50)), float(np.percentile(part, 99))]
            if part.size
            else [float("nan")] * 2
        )
    statuses = {int(s): int((run.status == s).sum()) for s in np.unique(run.status)}
    admitted = latency[ok]
    return {
        "offered_rps": run.rate,
        "sent": len(run.status),
        "goodput_rps": float(ok.sum() / run.seconds),
        "goodput_share": float(ok.sum() / run.seconds / capacity),
        "shed_share": float(shed.sum() / len(run.status)),
        "p50_ms": float(np.percentile(admitted, 50)) if admitted.size else float("nan"),
        "p99_ms": float(np.percentile(admitted, 99)) if admitted.size else float("nan"),
        "windows_ms": windows,
        "statuses": statuses,
        "other_failures": int(len(run.status) - ok.sum() - shed.sum()),
        "unsent": int((run.status == -1).sum()),  # the client held all its connections
        "connection_failures": int((run.status == 0).sum()),
        "rss_mib": [rss[0], max(rss), rss[-1]] if rss else [],
        "client_cpu_share": run.cpu_s / run.seconds,
        "server_cpu_share": cpu_s / run.seconds,
        "connections": run.connections,
    }


def point(server: Server, endpoint: Endpoint, rate: float, seconds: float, capacity: float) -> dict:
    rss: list[float] = [server.rss_mib()]
    stop = threading.Event()
    sampler = threading.Thread(target=sample_rss, args=(server, stop, rss), daemon=True)
    cpu = server.cpu_seconds()
    sampler.start()
    try:
        run = openloop.run(server.url, endpoint.requests, rate, seconds)
    finally:
        stop.set()
        sampler.join()
    result = summarise(run, capacity, rss, server.cpu_seconds() - cpu)
    settle(server)
    return result


def overload(server: Server, endpoint: Endpoint, args: argparse.Namespace, work: Path) -> dict:
    """Capacity by wrk, then the open-loop points at each multiple of it."""
    folder = workload.write(endpoint.requests, work / endpoint.name.strip("/").split("?")[0])
    wrk.run(server.url, folder, 8, 2)  # warm-up
    capacity = wrk.run(server.url, folder, 64, args.capacity_seconds)
    settle(server)
    rows: dict = {"capacity_rps": capacity.rps, "capacity_errors": capacity.errors}
    for multiple in MULTIPLES:
        rate = multiple * capacity.rps
        rows[f"{multiple}x"] = row = point(server, endpoint, rate, args.duration, capacity.rps)
        print(
            f"{server.name} {endpoint.name} {multiple}x ({rate:.0f}/s): goodput "
            f"{row['goodput_rps']:.0f}/s ({row['goodput_share']:.0%}), "
            f"shed {row['shed_share']:.0%}, p50 {row['p50_ms']:.1f} ms, "
            f"p99 {row['p99_ms']:.1f} ms, other failures "
            f"{row['other_failures']} ({row['unsent']} unsent, {row['connection_failures']} "
            f"connections failed), client CPU {row['client_cpu_share']:.0%}",
            flush=True,
        )
    return rows


def measure(args: argparse.Namespace, work: Path) -> dict:
    """The service on both calls, then each framework asked for on /classify (the one call
    bench/frameworks serves), each in the venv that bench/frameworks makes for it."""
    results: dict[str, dict] = {}
    port = free_port()
    with Server("service", ccvae_serve(port, *args.flags), port, work / "server.log") as server:
        for endpoint in endpoints():
            results[f"service|{endpoint.name}"] = overload(server, endpoint, args, work)
    for name in args.frameworks:
        contender = next(c for c in CONTENDERS if c.name == name)
        venv = venvs.ensure(contender.venv) if contender.venv else None
        with contender.server(venv, work) as server:
            results[f"{name}|/classify"] = overload(server, endpoints()[0], args, work)
    return results


def failures(row: dict) -> str:
    """Failures other than 503, with those the client could not send or connect apart."""
    parts = [f"{row[k]} {label}" for k, label in (("unsent", "unsent"),
             ("connection_failures", "connections failed")) if row.get(k)]  # fmt: skip
    return f"{row['other_failures']}" + (f" ({', '.join(parts)})" if parts else "")


def markdown(results: dict, duration: float) -> str:
    lines = [
        "| server | call | load | offered req/s | goodput req/s | of capacity | shed | p50 ms "
        f"| p99 ms | p99 ms by sixth of the {duration:.0f} s | RSS MiB start → max → end "
        "| other failures | client CPU | server CPU |",
        "|---|---|---|---:|---:|---:|---:|---:|---:|---|---|---:|---:|---:|",
    ]
    for key, rows in results.items():
        name = "{} | `{}`".format(*key.split("|"))
        lines.append(
            f"| {name} | capacity (wrk, 64 closed-loop clients) | – | {rows['capacity_rps']:.0f} "
            f"| 100 % | – | – | – | – | – | {rows['capacity_errors']} | – | – |"
        )
        for multiple in MULTIPLES:
            r = rows[f"{multiple}x"]
            sixths = " · ".join(f"{p99:.0f}" for _, p99 in r["windows_ms"])
            rss = " → ".join(f"{x:.0f}" for x in r["rss_mib"])
            lines.append(
                f"| {name} | {multiple}× | {r['offered_rps']:.0f} | {r['goodput_rps']:.0f} | "
                f"{r['goodput_share']:.0%} | {r['shed_share']:.0%} | {r['p50_ms']:.1f} | "
                f"{r['p99_ms']:.1f} | {sixths} | {rss} | {failures(r)} | "
                f"{r['client_cpu_share']:.0%} | {r['server_cpu_share']:.0%} |"
            )
    return "\n".join(lines).replace("%", " %").replace("  %", " %")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__.splitlines()[0], formatter_class=argparse.ArgumentDefaultsHelpFormatter
    )
    parser.add_argument("--duration", type=float, default=60.0, help="seconds per load point")
    parser.add_argument("--capacity-seconds", type=float, default=10.0, help="wrk run for capacity")
    parser.add_argument("--flags", nargs="*", default=[], help="more ccvae-serve flags")
    parser.add_argument(
        "--frameworks", nargs="*", default=[], choices=FRAMEWORKS, help="also these, on /classify"
    )
    parser.add_argument("--json", type=Path, default=REPO / "bench" / "results" / "overload.json")
    args = parser.parse_args(argv)
    wrk.require()
    started = time.strftime("%Y-%m-%d %H:%M")
    load = os.getloadavg()
    with tempfile.TemporaryDirectory(prefix="ccvae-overload-") as tmp:
        results = measure(args, Path(tmp))
    args.json.parent.mkdir(parents=True, exist_ok=True)
    record = {"date": started, "load_average_at_start": load, "args": vars(args) | {"json": ""}}
    args.json.write_text(json.dumps(record | {"results": results}, indent=1, default=str))
    print(markdown(results, args.duration))


if __name__ == "__main__":
    main()
