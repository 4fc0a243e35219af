"""The load run: ccvae-serve under steady load for a bounded time, loopback only.

    python -m bench.soak                       # 10 minutes at 64 connections
    python -m bench.soak --minutes 2 --connections 64

Replays a mix of /classify (MNIST test digits as PNG) and /generate requests with wrk, in slices
of `--slice` seconds; between slices it reads the server's resident memory, and a thread polls
/health/ready once a second throughout. Passes when no request failed, readiness never dropped,
and memory ended within `--rss-growth` of where it stood after warm-up.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import threading
import time
from dataclasses import asdict
from pathlib import Path

from bench import workload, wrk
from bench.server import REPO, Server, ccvae_serve, free_port, status


def poll_readiness(url: str, stop: threading.Event, failures: list[float]) -> None:
    """GET /health/ready every second until stopped; note the time of every non-200."""
    start = time.monotonic()
    while not stop.wait(1.0):
        if status(url, timeout=5.0) != 200:
            failures.append(time.monotonic() - start)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__.splitlines()[0], formatter_class=argparse.ArgumentDefaultsHelpFormatter
    )
    parser.add_argument("--minutes", type=float, default=10.0, help="length of the load")
    parser.add_argument("--connections", type=int, default=64, help="concurrent clients")
    parser.add_argument("--slice", type=float, default=30.0, help="seconds between RSS readings")
    parser.add_argument("--rss-growth", type=float, default=0.10, help="allowed RSS growth")
    parser.add_argument("--json", type=Path, default=REPO / "bench" / "results" / "soak.json")
    args = parser.parse_args(argv)
    wrk.require()
    with tempfile.TemporaryDirectory(prefix="ccvae-soak-") as tmp:
        requests = [
            r for pair in zip(workload.classify_requests(256), workload.generate_requests(256),
                              strict=True) for r in pair
        ]  # fmt: skip
        mix = workload.write(requests, Path(tmp) / "mix")
        port = free_port()
        with Server("service", ccvae_serve(port), port, Path(tmp) / "server.log") as server:
            wrk.run(server.url, mix, args.connections, 5)  # warm-up
            rss = [server.rss_mib()]
            failures: list[float] = []
            stop = threading.Event()
            poller = threading.Thread(
                target=poll_readiness, args=(f"{server.url}/health/ready", stop, failures)
            )
            poller.start()
            slices = []
            deadline = time.monotonic() + 60 * args.minutes
            try:
                while (left := deadline - time.monotonic()) >= 1:
                    r = wrk.run(server.url, mix, args.connections, min(args.slice, left))
                    rss.append(server.rss_mib())
                    slices.append({**asdict(r), "rps": r.rps, "rss_mib": rss[-1]})
                    print(f"{len(slices):3d}: {r.rps:6.0f} req/s, p99 {r.p99_ms:6.1f} ms, "
                          f"{r.errors} errors, RSS {rss[-1]:.0f} MiB", flush=True)  # fmt: skip
            finally:
                stop.set()
                poller.join()
            ready_after = status(f"{server.url}/health/ready") == 200
    total = sum(s["requests"] for s in slices)
    errors = sum(s["errors"] for s in slices)
    growth = rss[-1] / rss[0] - 1
    result = {
        "minutes": args.minutes,
        "connections": args.connections,
        "requests": total,
        "errors": errors,
        "readiness_failures": len(failures),
        "ready_after": ready_after,
        "rss_mib_start": rss[0],
        "rss_mib_end": rss[-1],
        "rss_mib_max": max(rss),
        "rps_mean": total / sum(s["requests"] / s["rps"] for s in slices),
        "slices": slices,
    }
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(result, indent=1))
    ok = errors == 0 and not failures and ready_after and growth <= args.rss_growth
    print(
        f"{args.minutes:g} min at {args.connections} connections: {total} requests "
        f"({result['rps_mean']:.0f} req/s), {errors} errors, readiness failures {len(failures)}, "
        f"RSS {rss[0]:.0f} -> {rss[-1]:.0f} MiB (max {max(rss):.0f}, {growth:+.1%}): "
        f"{'PASS' if ok else 'FAIL'}"
    )
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
