"""Where a served request's time goes: py-spy samples ccvae-serve while wrk loads it.

    python -m bench.hotspots                         # /classify, 64 connections, 10 s
    python -m bench.hotspots --endpoint /generate --connections 1 --flags --no-batching

Prints where a request's CPU goes, stage by stage (HTTP parsing, multipart, image decode,
batching hop, model, JSON, ...: each sample goes to the innermost frame that names a stage, and
each stage's share of the server's measured CPU per request is its cost in µs), then the functions
holding the most samples, inclusive and self, over every thread of the server (idle waits left
out). Keeps the raw folded stacks for a flame graph (`flamegraph.pl bench/results/hotspots.txt >
profile.svg`, or load it into speedscope.app). The server runs in one process (`--workers 1`) so
that one py-spy sees all of it; per request, the work is the same in every worker.
"""

from __future__ import annotations

import argparse
import collections
import shutil
import subprocess
import tempfile
from pathlib import Path

from bench import workload, wrk
from bench.server import BIN, REPO, Server, ccvae_serve, free_port

IDLE = ("Condition.wait", "Runner.run", "_worker (concurrent/futures/thread.py", "select")
STAGES = (
    ("model (onnxruntime)", ("onnxruntime",)),
    ("image decode and preparation", ("service/imaging.py", "PIL/")),
    ("multipart / body", ("service/uploads.py", "multipart", "formparsers")),
    (
        "JSON and response",
        ("pydantic", "json", "responses.py", "encoders.py", "serialize_response"),
    ),
    ("batching hop", ("service/batching.py", "concurrent/futures", "asyncio/threads.py")),
    ("HTTP parsing and writing (server)", ("granian/", "uvicorn/", "httptools", "h11")),
    ("routing, validation, middleware", ("fastapi/", "starlette/", "service/middleware.py")),
    ("service code", ("service/",)),
    ("event loop", ("asyncio/", "uvloop")),
)
"""Stages a request passes, each named by path fragments of the frames that do its work."""


def stage_of(frames: list[str]) -> str:
    """The stage of the innermost frame (leaf first) that names one, else "other"."""
    for frame in reversed(frames):
        for stage, fragments in STAGES:
            if any(fragment in frame for fragment in fragments):
                return stage
    return "other"


NATIVE = "native threads (no Python frame: the server's Rust HTTP threads)"


def folded_stacks(folded: Path) -> list[tuple[str, int]]:
    """(stack, samples) per entry; an entry whose frame names hold a newline spans lines."""
    entries, pending = [], ""
    for line in folded.read_text().splitlines():
        pending += line
        stack, _, count = pending.rpartition(" ")
        if count.isdigit() and stack:
            entries.append((stack, int(count)))
            pending = ""
    return entries


def python_frames(stack: str) -> list[str]:
    """The Python frames of a folded stack, without py-spy's process and thread entries."""
    return [f for f in stack.split(";") if not f.startswith(("process ", "thread "))]


def stages(folded: Path) -> dict[str, float]:
    """Each stage's share of the busy samples in folded stacks, largest first."""
    counts: collections.Counter[str] = collections.Counter()
    for stack, count in folded_stacks(folded):
        frames = python_frames(stack)
        if not frames:
            counts[NATIVE] += count
        elif not any(frames[-1].startswith(idle) for idle in IDLE):
            counts[stage_of(frames)] += count
    total = sum(counts.values()) or 1
    return {stage: n / total for stage, n in counts.most_common()}


def stage_table(shares: dict[str, float], cpu_ms: float) -> str:
    """Markdown: each stage's share and its µs of server CPU per request."""
    lines = ["| stage | share of CPU | µs per request |", "|---|---:|---:|"]
    lines += [
        f"| {stage} | {share:.1%} | {1000 * cpu_ms * share:.0f} |"
        for stage, share in shares.items()
    ]
    lines.append(f"| **all** | 100% | {1000 * cpu_ms:.0f} |")
    return "\n".join(lines)


def summarize(folded: Path, top: int) -> str:
    """Inclusive and self shares of the folded stacks' frames, idle waits dropped."""
    inclusive: collections.Counter[str] = collections.Counter()
    own: collections.Counter[str] = collections.Counter()
    total = 0
    for stack, count in folded_stacks(folded):
        frames = python_frames(stack)
        if not frames or any(frames[-1].startswith(idle) for idle in IDLE):
            continue
        total += count
        for frame in set(frames):
            inclusive[frame] += count
        own[frames[-1]] += count
    lines = [f"{total} busy samples", "-- inclusive"]
    lines += [f"{n / total:6.1%}  {f}" for f, n in inclusive.most_common(top)]
    lines += ["-- self"] + [f"{n / total:6.1%}  {f}" for f, n in own.most_common(top)]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__.splitlines()[0], formatter_class=argparse.ArgumentDefaultsHelpFormatter
    )
    parser.add_argument("--endpoint", choices=("/classify", "/generate"), default="/classify")
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--out", type=Path, default=REPO / "bench" / "results" / "hotspots.txt")
    parser.add_argument(
        "--flags", nargs=argparse.REMAINDER, default=["--workers", "1"], help="for ccvae-serve"
    )
    args = parser.parse_args(argv)
    spy = shutil.which("py-spy") or str(BIN / "py-spy")
    if not Path(spy).exists():
        raise SystemExit("py-spy is not installed: pip install py-spy")
    wrk.require()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="ccvae-profile-") as tmp:
        make = (
            workload.classify_requests
            if args.endpoint == "/classify"
            else workload.generate_requests
        )
        requests = workload.write(make(256), Path(tmp) / "set")
        port = free_port()
        with Server("service", ccvae_serve(port, *args.flags), port, Path(tmp) / "log") as s:
            assert s.process is not None
            wrk.run(s.url, requests, args.connections, 2)  # warm-up
            record = subprocess.Popen([
                spy, "record", "--pid", str(s.process.pid), "--duration", str(args.seconds),
                "--rate", "250", "--format", "raw", "--output", str(args.out),
                "--threads", "--nonblocking", "--subprocesses",
            ])  # fmt: skip
            cpu = s.cpu_seconds()
            result = wrk.run(s.url, requests, args.connections, args.seconds + 1)
            cpu_ms = 1000 * (s.cpu_seconds() - cpu) / max(1, result.requests)
            record.wait()
    print(
        f"{args.endpoint} at {args.connections} connections: {result.rps:.0f} req/s, "
        f"{cpu_ms:.2f} ms of server CPU per request (profiler included)"
    )
    print(stage_table(stages(args.out), cpu_ms))
    print(summarize(args.out, args.top))


if __name__ == "__main__":
    main()
