"""Serve the same ONNX files with BentoML, LitServe and Triton, and race them against the service.

    python -m bench.frameworks                  # the full run: about 30 min on 2 cores
    python -m bench.frameworks --seconds 2      # a smoke run: about 3 min

Contenders (bench/frameworks/contenders.py): the service as shipped, the service doing only the
frameworks' work (`--no-ood`: no out-of-distribution score), the HTTP floor, the torch baseline,
the three frameworks and the service under Ray Serve, each framework in a venv of its own (made on
first use under bench/.venvs/, versions pinned). One at a time, alone on the machine, each is
started on a free loopback port, checked (200 digits must get onnxruntime's labels), warmed up,
then loaded with ab (a new connection per request) and wrk (keep-alive) at 1, 8 and 64 clients. A
framework that cannot be installed or started is recorded as such and the run goes on. Writes
bench/results/frameworks.json, docs/figures/benchmarks/frameworks.png and the marked section of
docs/benchmarks.md. Needs wrk and ab (apt-get install wrk apache2-utils).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import subprocess
import tempfile
import time
import urllib.request
from dataclasses import asdict
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

from bench import ab, workload, wrk
from bench.frameworks import batches, labels, report, venvs
from bench.frameworks.contenders import CONTENDERS, Contender, GroupServer
from bench.frameworks.load import TOOLS, Point, run_ab, run_wrk
from bench.server import REPO
from bench.serving import environment, settle

DOCS = REPO / "docs" / "benchmarks.md"
TITLE = "Against BentoML, LitServe and Triton"


def project_versions() -> dict[str, str]:
    """Versions in the project's own venv, which serves the service, floor and baseline."""
    found = {}
    for name in (*venvs.SHOWN, "torch"):
        if name in ("bentoml", "litserve", "nvidia-pytriton", "ray", "tritonclient"):
            continue  # the frameworks' own: whether this venv has them does not matter here
        try:
            found[name] = version(name)
        except PackageNotFoundError:
            continue
    return found


def tool_version(command: list[str]) -> str:
    """`name x.y.z` of a load generator, from what it prints about itself."""
    done = subprocess.run(command, capture_output=True, text=True)
    found = re.search(r"(\d+\.\d+(?:\.\d+)?)", done.stdout + done.stderr)
    return f"{Path(command[0]).name} {found.group(1) if found else '?'}"


def read_batches(contender: Contender, server: GroupServer, log: Path) -> batches.Batches | None:
    """The contender's batch counts so far, where it reports them."""
    if contender.batches == "log":
        return batches.from_log(log)
    if contender.batches == "metrics":
        with urllib.request.urlopen(server.url + "/metrics", timeout=10) as response:
            return batches.from_metrics(response.read().decode())
    return None


def measure(contender: Contender, server: GroupServer, work: Path, args: argparse.Namespace,
            request_set: Path, body: Path) -> list[dict[str, Any]]:  # fmt: skip
    """ab then wrk at each number of clients; one row per point, batches included."""
    url, log = server.url + "/classify", contender.batch_log(work)
    run_wrk(server.url, request_set, 8, 1)  # warm-up: allocators, lazy imports, batch shapes
    settle(server)
    rows = []
    for tool in TOOLS:
        for clients in report.CLIENTS:
            before = read_batches(contender, server, log)
            if tool == "ab":
                p: Point = run_ab(url, body, workload.MULTIPART, clients, args.seconds)
            else:
                p = run_wrk(server.url, request_set, clients, args.seconds)
            settle(server)
            after = read_batches(contender, server, log)
            row: dict[str, Any] = {**asdict(p), "rps": p.rps, "ok_rps": p.ok_rps}
            if before is not None and after is not None:
                b = after - before
                row["batches"] = {"calls": b.calls, "mean": b.mean, "largest": b.largest}
            rows.append(row)
            print(f"  {tool} c={clients}: {p.ok_rps:.0f} req/s, p50 {p.p50_ms:.2f} ms, "
                  f"p99 {p.p99_ms:.2f} ms, non-2xx {p.non_2xx}, failed {p.failed}"
                  f"{', gave up: ' + p.aborted if p.aborted else ''}", flush=True)  # fmt: skip
    return rows


def run_one(contender: Contender, work: Path, args: argparse.Namespace, pngs: list[bytes],
            expected: list[int], request_set: Path, body: Path) -> dict[str, Any]:  # fmt: skip
    """Everything about one contender; failures to install or start become its status."""
    out: dict[str, Any] = {
        "note": contender.note,
        "batches": contender.batches,
        "must_match": contender.must_match,
    }
    venv = None
    try:
        if contender.venv is not None:
            venv = venvs.ensure(contender.venv)
            out["venv"] = f"bench/.venvs/{contender.venv}"
            out["versions"] = venv.versions()
        else:
            out["versions"] = project_versions()
        versions = ", ".join(f"{k} {v}" for k, v in out["versions"].items())
        print(f"{contender.name}: {out.get('venv', 'project venv')}: {versions}", flush=True)
        server = contender.server(venv, work)
        server.start()
    except (venvs.VenvError, RuntimeError, OSError) as e:
        out["status"] = f"could not run: {str(e).splitlines()[0][:300]}"
        print(f"{contender.name}: {out['status']}", flush=True)
        return out
    try:
        out["ready_s"] = server.ready_s
        print(f"{contender.name}: ready in {server.ready_s:.1f} s; checking labels", flush=True)
        check = labels.check(labels.post(server.url + "/classify"), pngs, expected)
        out["labels"] = {"matched": check.matched, "total": check.total,
                         "first_difference": check.first_difference}  # fmt: skip
        if contender.must_match and not check.passed:
            out["status"] = (f"not timed: {check.total - check.matched}/{check.total} labels "
                             f"differ ({check.first_difference})")  # fmt: skip
            print(f"{contender.name}: {out['status']}", flush=True)
            return out
        out["points"] = measure(contender, server, work, args, request_set, body)
        out["rss_mib"] = server.rss_mib()
        out["status"] = "ok"
    except Exception as e:  # e.g. a load generator stuck past its bound: record, go on
        out["status"] = f"failed under load: {type(e).__name__}: {str(e)[:300]}"
        print(f"{contender.name}: {out['status']}", flush=True)
    finally:
        server.stop()
    return out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__.splitlines()[0], formatter_class=argparse.ArgumentDefaultsHelpFormatter
    )
    parser.add_argument("--seconds", type=float, default=30.0, help="length of each load point")
    parser.add_argument("--digits", type=int, default=labels.DIGITS,
                        help="MNIST test digits checked, and replayed by wrk")  # fmt: skip
    parser.add_argument(
        "--only",
        nargs="*",
        default=None,
        metavar="NAME",
        help="run only these contenders (the docs are then left alone)",
    )
    parser.add_argument("--json", type=Path, default=REPO / "bench" / "results" / "frameworks.json")
    args = parser.parse_args(argv)
    wrk.require(), ab.require()
    chosen = [c for c in CONTENDERS if args.only is None or c.name in args.only]
    env = environment()
    env["load_average_at_start"] = [round(x, 2) for x in os.getloadavg()]
    env["machine"] = platform.machine()
    env["wrk"] = tool_version(["wrk", "-v"])
    env["ab"] = tool_version(["ab", "-V"])
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="ccvae-frameworks-") as tmp:
        work = Path(tmp)
        digits = workload.classify_requests(args.digits)
        request_set = workload.write(digits, work / "classify")
        body = work / "one.body"
        body.write_bytes(digits[0].body)
        pngs = [workload.png(image) for image in workload.mnist_test_digits(args.digits)[0]]
        expected = labels.reference_labels(pngs)
        contenders = {c.name: run_one(c, work, args, pngs, expected, request_set, body)
                      for c in chosen}  # fmt: skip
    result = {
        "environment": env,
        "parameters": {"seconds": args.seconds, "digits": args.digits,
                       "minutes": round((time.monotonic() - started) / 60, 1)},
        "contenders": contenders,
    }  # fmt: skip
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(result, indent=1))
    body_md = report.markdown(result)
    print(body_md)
    if args.only is None:
        report.plot(result, REPO / "docs" / report.PLOT)
        DOCS.write_text(report.replace_section(DOCS.read_text(), body_md, TITLE))
        print(f"wrote {args.json}, docs/{report.PLOT} and the section of {DOCS.name}")
    print(f"took {result['parameters']['minutes']} min")


if __name__ == "__main__":
    main()
