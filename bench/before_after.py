"""The happy path before and after a change: two checkouts' ccvae-serve, side by side, one run.

    python -m bench.before_after --before /work/main        # a checkout with its own .venv

Both serve the same shipped model as shipped (granian, one worker per core), each on its own
port; wrk visits them in turn, round after round, at 1 and 64 clients on /classify, /generate
and the protocol's /v2/models/classifier/infer, so that whatever else the machine does falls on
both alike. Figures are medians over rounds;
the ratio is after ÷ before. CPU ms/req is the server's CPU time (all processes and threads)
over the requests it answered, the figure least moved by other load on a shared machine.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import tempfile
import time
from pathlib import Path

from bench import workload, wrk
from bench.server import HOST, REPO, Server, free_port
from bench.serving import settle

CLIENTS = (1, 64)
MODEL = REPO / "models" / "ccvae-mnist"


def server(name: str, checkout: Path, log: Path) -> Server:
    port = free_port()
    command = [str(checkout / ".venv" / "bin" / "ccvae-serve"), "--host", HOST,
               "--port", str(port), "--model-dir", str(MODEL)]  # fmt: skip
    return Server(name, command, port, log)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__.splitlines()[0], formatter_class=argparse.ArgumentDefaultsHelpFormatter
    )
    parser.add_argument("--before", type=Path, required=True, help="checkout before the change")
    parser.add_argument("--seconds", type=float, default=4.0, help="length of each wrk run")
    parser.add_argument("--rounds", type=int, default=3, help="rounds over both servers")
    parser.add_argument(
        "--json", type=Path, default=REPO / "bench" / "results" / "before_after.json"
    )
    args = parser.parse_args(argv)
    wrk.require()
    started, load = time.strftime("%Y-%m-%d %H:%M"), os.getloadavg()
    manifest = json.loads((MODEL / "manifest.json").read_text())
    runs: dict[str, list[tuple[float, float, float]]] = {}
    with tempfile.TemporaryDirectory(prefix="ccvae-before-after-") as tmp:
        work = Path(tmp)
        sets = {
            "/classify": workload.write(workload.classify_requests(256), work / "classify"),
            "/generate": workload.write(workload.generate_requests(256), work / "generate"),
            "/v2/models/classifier/infer": workload.write(
                workload.infer_requests(256, manifest["latent"]["c"]), work / "infer"
            ),
        }
        servers = [server("before", args.before, work / "before.log"),
                   server("after", REPO, work / "after.log")]  # fmt: skip
        try:
            for s in servers:
                s.start()
                for folder in sets.values():
                    wrk.run(s.url, folder, 8, 1)  # warm-up
            for _ in range(args.rounds):
                for endpoint, folder in sets.items():
                    for c in CLIENTS:
                        for s in servers:
                            cpu = s.cpu_seconds()
                            r = wrk.run(s.url, folder, c, args.seconds)
                            settle(s)
                            cpu_ms = 1000 * (s.cpu_seconds() - cpu) / max(1, r.requests)
                            runs.setdefault(f"{s.name}|{endpoint}|{c}", []).append(
                                (r.rps, r.p50_ms, cpu_ms)
                            )
                            print(f"{s.name} {endpoint} c={c}: {r.rps:.0f} req/s, p50 "
                                  f"{r.p50_ms:.2f} ms, {r.errors} errors", flush=True)  # fmt: skip
        finally:
            for s in servers:
                s.stop()
    median = {k: [statistics.median(x) for x in zip(*v, strict=True)] for k, v in runs.items()}
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps({"date": started, "load_average_at_start": load,
                                     "medians": median, "runs": runs}, indent=1))  # fmt: skip
    lines = ["| call | clients | req/s before | req/s after | ratio | p50 ms before | p50 ms after "
             "| ratio | CPU ms/req before | after | ratio |",
             "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]  # fmt: skip
    for endpoint in sets:
        for c in CLIENTS:
            (rb, pb, cb), (ra, pa, ca) = (median[f"{name}|{endpoint}|{c}"]
                                          for name in ("before", "after"))  # fmt: skip
            lines.append(f"| `{endpoint}` | {c} | {rb:.0f} | {ra:.0f} | {ra / rb:.2f}× | "
                         f"{pb:.2f} | {pa:.2f} | {pa / pb:.2f}× | {cb:.3f} | {ca:.3f} | "
                         f"{ca / cb:.2f}× |")  # fmt: skip
    print(
        f"{started}, load average at start {load[0]:.2f}, {args.rounds} rounds of "
        f"{args.seconds:.0f} s"
    )
    print("\n".join(lines))


if __name__ == "__main__":
    main()
