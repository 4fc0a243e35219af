"""What sampling the fitted latent density costs /generate, against sampling the priors.

One `ccvae-serve` on the shipped model; wrk replays the same /generate requests (one sample,
labels cycling, a fixed seed each) with `source=density` and with `source=prior`, alternating,
at 1 and 64 clients. The density path adds a [n, D] x [D, D] product per request before the
decoder, so the figure to read is the ratio density / prior, measured in one run.

    python -m bench.sources [--seconds 4] [--rounds 3]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
from pathlib import Path

from bench import workload, wrk
from bench.server import Server, ccvae_serve, free_port

SOURCES = ("density", "prior")
CLIENTS = (1, 64)


def request_set(source: str, count: int, folder: Path) -> Path:
    requests = [
        workload.Request(r.method, f"{r.path}&source={source}", r.content_type, r.body)
        for r in workload.generate_requests(count)
    ]
    return workload.write(requests, folder / source)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=4.0, help="length of each wrk run")
    parser.add_argument("--rounds", type=int, default=3, help="rounds over both sources")
    args = parser.parse_args(argv)
    wrk.require()
    with tempfile.TemporaryDirectory() as tmp:
        sets = {source: request_set(source, 256, Path(tmp)) for source in SOURCES}
        port = free_port()
        rps: dict[tuple[str, int], list[float]] = {}
        p50: dict[tuple[str, int], list[float]] = {}
        with Server("service", ccvae_serve(port), port, Path(tmp) / "server.log") as server:
            for source in SOURCES:  # warm-up
                wrk.run(server.url, sets[source], 8, 1)
            for _ in range(args.rounds):
                for clients in CLIENTS:
                    for source in SOURCES:
                        result = wrk.run(server.url, sets[source], clients, args.seconds)
                        if result.errors:
                            raise SystemExit(f"{result.errors} errors on source={source}")
                        rps.setdefault((source, clients), []).append(result.rps)
                        p50.setdefault((source, clients), []).append(result.p50_ms)
    print("| /generate | req/s @1 | p50 @1 (ms) | req/s @64 | p50 @64 (ms) |")
    print("|---|---:|---:|---:|---:|")
    for source in SOURCES:
        cells = []
        for clients in CLIENTS:
            cells.append(f"{statistics.median(rps[source, clients]):.0f}")
            cells.append(f"{statistics.median(p50[source, clients]):.2f}")
        print(f"| source={source} | " + " | ".join(cells) + " |")
    for clients in CLIENTS:
        ratio = statistics.median(rps["density", clients]) / statistics.median(
            rps["prior", clients]
        )
        print(f"density / prior throughput at {clients} client(s): {ratio:.2f}x")


if __name__ == "__main__":
    main()
