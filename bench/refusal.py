"""What a refusal for load costs the server, against serving the request.

    python -m bench.refusal                 # about a minute; needs wrk

One ccvae-serve worker, /classify with MNIST digits under wrk's 64 keep-alive clients: first with
no queue limit (every request served), then with `--max-queue 1` (all but about one refused with
503 before its body is read). CPU ms/req is the server's CPU time over the answers it gave, per
round; the figures are medians over rounds.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
from pathlib import Path

from bench import workload, wrk
from bench.server import Server, ccvae_serve, free_port
from bench.serving import settle

SETUPS = {
    "served (--max-queue 0)": ["--max-queue", "0"],
    "refused (--max-queue 1)": ["--max-queue", "1"],
}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__.splitlines()[0], formatter_class=argparse.ArgumentDefaultsHelpFormatter
    )
    parser.add_argument("--seconds", type=float, default=5.0, help="length of each wrk run")
    parser.add_argument("--rounds", type=int, default=3, help="wrk runs per setup")
    args = parser.parse_args(argv)
    wrk.require()
    lines = ["| setup | answers/s | of them non-2xx | server CPU ms per answer |",
             "|---|---:|---:|---:|"]  # fmt: skip
    with tempfile.TemporaryDirectory(prefix="ccvae-refusal-") as tmp:
        folder = workload.write(workload.classify_requests(256), Path(tmp) / "classify")
        for name, flags in SETUPS.items():
            port = free_port()
            command = ccvae_serve(port, "--workers", "1", *flags)
            rows = []
            with Server(name, command, port, Path(tmp) / "server.log") as server:
                wrk.run(server.url, folder, 8, 1)  # warm-up
                for _ in range(args.rounds):
                    cpu = server.cpu_seconds()
                    r = wrk.run(server.url, folder, 64, args.seconds)
                    settle(server)
                    cpu_ms = 1000 * (server.cpu_seconds() - cpu) / max(1, r.requests)
                    rows.append((r.rps, r.errors / max(1, r.requests), cpu_ms))
                    print(f"{name}: {r.rps:.0f}/s, {r.errors} non-2xx, {cpu_ms:.3f} ms", flush=True)
            rps, refused, cpu_ms = (statistics.median(x) for x in zip(*rows, strict=True))
            lines.append(f"| {name} | {rps:.0f} | {refused:.0%} | {cpu_ms:.3f} |")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
