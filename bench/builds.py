"""Builds of the service side by side: req/s and p50 at 1 and 64 clients, in one run.

    git archive <commit> | tar -x -C /tmp/before     # another commit's tree
    python -m bench.builds --build before=/tmp/before --build after=.

A build is NAME=SOURCE[:FACTORY]: SOURCE is a folder holding a `service/` package (a checkout or
`git archive` of another commit), put first on PYTHONPATH; FACTORY defaults to the service's
own app. Every build serves the shipped model of this repository on the server and process layout
that ccvae-serve uses by default (granian, one worker per core, the cores' threads shared out),
and wrk visits them in turn, round after round, so that whatever else the machine does falls on
all of them alike; each figure is the median over rounds, and the ratios are to the first build.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
from pathlib import Path

from bench import workload, wrk
from bench.server import Server, free_port, shipped_stack
from bench.serving import settle
from service.settings import Settings, process_layout

CONCURRENCY = (1, 64)
ENDPOINTS = ("/classify", "/generate")
FACTORY = "service.app:create_app"


def build(spec: str, log_dir: Path) -> Server:
    """A server for NAME=SOURCE[:FACTORY], not started yet."""
    name, _, rest = spec.partition("=")
    source, _, factory = rest.partition(":")
    port = free_port()
    layout = process_layout(Settings())
    env = {
        "PYTHONPATH": str(Path(source or ".").resolve()),
        "CCVAE_THREADS": str(layout.threads),
        "CCVAE_METRICS_DIR": str(log_dir / f"metrics-{name}"),
    }
    (log_dir / f"metrics-{name}").mkdir()
    return Server(name, shipped_stack(factory or FACTORY, port), port, log_dir / f"{name}.log", env)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__.splitlines()[0], formatter_class=argparse.ArgumentDefaultsHelpFormatter
    )
    parser.add_argument("--build", action="append", required=True, help="NAME=SOURCE[:FACTORY]")
    parser.add_argument("--seconds", type=float, default=4.0, help="length of each wrk run")
    parser.add_argument("--rounds", type=int, default=3, help="rounds over all builds")
    parser.add_argument("--digits", type=int, default=256, help="MNIST test digits replayed")
    args = parser.parse_args(argv)
    wrk.require()
    with tempfile.TemporaryDirectory(prefix="ccvae-builds-") as tmp:
        work = Path(tmp)
        sets = {
            "/classify": workload.write(workload.classify_requests(args.digits), work / "c"),
            "/generate": workload.write(workload.generate_requests(args.digits), work / "g"),
        }
        servers = [build(spec, work) for spec in args.build]
        runs: dict[tuple[str, str, int], list[tuple[wrk.Result, float]]] = {}
        try:
            for s in servers:
                s.start()
                for endpoint in ENDPOINTS:  # warm-up
                    wrk.run(s.url, sets[endpoint], 8, 1)
            for r in range(args.rounds):
                for endpoint in ENDPOINTS:
                    for c in CONCURRENCY:
                        for s in servers:
                            cpu = s.cpu_seconds()
                            result = wrk.run(s.url, sets[endpoint], c, args.seconds)
                            settle(s)
                            cpu_ms = 1000 * (s.cpu_seconds() - cpu) / max(1, result.requests)
                            runs.setdefault((s.name, endpoint, c), []).append((result, cpu_ms))
                            print(f"round {r + 1} {endpoint} c={c} {s.name}: "
                                  f"{result.rps:.0f} req/s, p50 {result.p50_ms:.2f} ms, "
                                  f"{cpu_ms:.2f} CPU ms/req, {result.errors} errors",
                                  flush=True)  # fmt: skip
        finally:
            for s in servers:
                s.stop()
    print(markdown(runs, [s.name for s in servers], args))


def markdown(
    runs: dict[tuple[str, str, int], list[tuple[wrk.Result, float]]],
    names: list[str],
    args: argparse.Namespace,
) -> str:
    """One row per build and endpoint: medians over rounds, and ratios to the first build.

    CPU ms/req (the server's processes' CPU time over the requests answered) moves less than
    req/s when other work shares the machine.
    """

    def median(name: str, endpoint: str, c: int, what: str) -> float:
        rows = runs[(name, endpoint, c)]
        if what == "cpu_ms":
            return statistics.median(cpu for _, cpu in rows)
        return statistics.median(getattr(result, what) for result, _ in rows)

    def cell(name: str, endpoint: str, c: int, what: str) -> str:
        value, base = median(name, endpoint, c, what), median(names[0], endpoint, c, what)
        return f"{value:.2f}" if name == names[0] else f"{value:.2f} ({value / base:.2f}×)"

    lines = [
        f"{args.rounds} rounds of {args.seconds:.0f} s per cell; ratios to `{names[0]}`.",
        "",
        "| endpoint | build | req/s @1 | p50 @1 (ms) | req/s @64 | p50 @64 (ms) "
        "| CPU ms/req @64 | errors |",
        "|---|---|---:|---:|---:|---:|---:|---:|",
    ]
    for endpoint in ENDPOINTS:
        for name in names:
            pairs = [(c, what) for c in CONCURRENCY for what in ("rps", "p50_ms")]
            cells = [cell(name, endpoint, c, what) for c, what in pairs]
            cells.append(cell(name, endpoint, 64, "cpu_ms"))
            errors = sum(r.errors for c in CONCURRENCY for r, _ in runs[(name, endpoint, c)])
            lines.append(f"| {endpoint} | {name} | {' | '.join(cells)} | {errors} |")
    return "\n".join(lines)


if __name__ == "__main__":
    main()
