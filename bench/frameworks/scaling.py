"""Ray Serve's scale-out in figures, from one run of the frameworks bench:

    python -m bench.frameworks --only service "Ray Serve" "Ray Serve x2" --seconds 20 \
        --json bench/results/frameworks-ray.json
    python -m bench.frameworks.scaling bench/results/frameworks-ray.json

prints the rows of docs/benchmarks.md's Ray Serve section: each contender's 2xx req/s at 1, 8
and 64 clients with its latencies, then the ratios that say what the second replica buys and
what Ray's proxy hop costs against `ccvae-serve` serving the same cores directly.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from bench.frameworks.report import CLIENTS, point

ONE, TWO, DIRECT = "Ray Serve", "Ray Serve x2", "service"


def _ratio(result: dict[str, Any], a: str, b: str, tool: str, clients: int) -> str:
    pa, pb = point(result, a, tool, clients), point(result, b, tool, clients)
    if not pa or not pb or not pb["ok_rps"]:
        return "–"
    return f"{pa['ok_rps'] / pb['ok_rps']:.2f}×"


def markdown(result: dict[str, Any]) -> str:
    """The tables: one row per contender and tool, then the ratios."""
    lines = [
        "| contender | tool | req/s @1 | req/s @8 | req/s @64 | p50 @1 (ms) | p99 @64 (ms) "
        "| non-2xx |",
        "|---|---|---:|---:|---:|---:|---:|---:|",
    ]
    for name in (DIRECT, ONE, TWO):
        for tool in ("ab", "wrk"):
            pts = [point(result, name, tool, n) for n in CLIENTS]
            if not all(pts):
                lines.append(f"| {name} | {tool} | {result['contenders'][name].get('status')} |")
                continue
            rps = " | ".join(f"{p['ok_rps']:.0f}" for p in pts if p)
            p1, p64 = pts[0], pts[-1]
            assert p1 is not None and p64 is not None
            non_2xx = sum(int(p["non_2xx"]) + int(p["failed"]) for p in pts if p)
            lines.append(
                f"| {name} | {tool} | {rps} | {p1['p50_ms']:.2f} | {p64['p99_ms']:.1f} "
                f"| {non_2xx} |"
            )
    lines += ["", "| ratio of 2xx req/s | tool | @1 | @8 | @64 |", "|---|---|---:|---:|---:|"]
    for label, a, b in (
        ("2 replicas / 1 replica (Ray)", TWO, ONE),
        ("ccvae-serve / Ray Serve, 2 replicas", DIRECT, TWO),
    ):
        for tool in ("ab", "wrk"):
            cells = " | ".join(_ratio(result, a, b, tool, n) for n in CLIENTS)
            lines.append(f"| {label} | {tool} | {cells} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("json", type=Path, help="bench/frameworks' JSON of the run")
    args = parser.parse_args(argv)
    print(markdown(json.loads(args.json.read_text())))


if __name__ == "__main__":
    main()
