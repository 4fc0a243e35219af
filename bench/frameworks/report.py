"""From bench/results/frameworks.json to the section of docs/benchmarks.md and its plot.

Pure functions of the result dict (tested without any server), plus the plot itself.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

from bench.frameworks.contenders import FRAMEWORKS, SAME_WORK
from bench.frameworks.load import TOOLS

BEGIN, END = "<!-- frameworks:begin -->", "<!-- frameworks:end -->"
AFTER = "## Machine, versions, commands"
"""The section is added after this one the first time."""
CLIENTS = (1, 8, 64)
TARGET_RATIO = 2.5
TOOL_TITLE = {"ab": "new connection per request (`ab`)", "wrk": "HTTP/1.1 keep-alive (`wrk`)"}
PLOT = "figures/benchmarks/frameworks.png"
"""Relative to docs/."""

Result = dict[str, Any]
NOTES = """\
How each contender is used (one process tree each, started by the bench, loopback only):

- Every framework app runs the service's own `service.imaging.prepare` and the shipped encoder +
  classifier through `service.runtime.Runtime`, so its onnxruntime sessions have the service's
  options (spinning off; intra-op threads resolved as `ccvae-serve` resolves them). Every
  contender gets the cores the way `ccvae-serve` takes them by default, one worker per core
  (`$BENCH_WORKERS`): BentoML's `workers`, LitServe's `workers_per_device`, Triton's model
  instances; the floor runs on the same server (granian) with as many processes. Each logs the size
  of every batch its framework hands it; the service's batch sizes come from its `/metrics`
  histogram, whose buckets give the largest only as a bound (≤).
- **BentoML** (`bench/frameworks/bentoml_service.py`):
  `@bentoml.service(workers=$BENCH_WORKERS)` with `@bentoml.api(batchable=True,
  max_batch_size=64, max_latency_ms=1000)` taking `file: list[Path]`, BentoML's file type; one
  upload arrives as a list of one, and the answer is a list of one. Started with `bentoml serve`.
- **LitServe** (`bench/frameworks/litserve_app.py`): `LitAPI(max_batch_size=64,
  batch_timeout=0.002)` in `LitServer(accelerator="cpu", workers_per_device=$BENCH_WORKERS)`;
  `decode_request` reads the form LitServe parses.
- **Triton** (`bench/frameworks/pytriton_app.py`): PyTriton's bundled tritonserver, the model
  bound with `ModelConfig(max_batch_size=64, batcher=DynamicBatcher(max_queue_delay_microseconds=
  2000))` and a `@batch` inference function per model instance; in front, one FastAPI route
  parses the upload, prepares the image and calls Triton's HTTP endpoint with PyTriton's
  `AsyncioModelClient`. One change to its environment, none to its code: PyTriton's
  Python-backend stub links the system's `libpython3.11` (Debian's 3.11.2), whose standard
  library does not match this interpreter's (3.11.7; model load fails on
  `RLock._recursion_count`), so the bench puts the interpreter's own `libpython` first on
  `LD_LIBRARY_PATH`.
- **floor** and **baseline** are those of the serving benchmark below (`bench/floor.py`,
  `bench/baseline.py`); neither must match the labels (the floor has no model, the baseline
  prepares images with a plain resize), so their label counts are shown, not required.
"""


def point(result: Result, name: str, tool: str, clients: int) -> dict[str, Any] | None:
    """The figures of one contender at one load, or None where it did not run."""
    for p in result["contenders"].get(name, {}).get("points", []):
        if p["tool"] == tool and p["clients"] == clients:
            return dict(p)
    return None


def ran(result: Result, name: str) -> bool:
    return bool(result["contenders"].get(name, {}).get("status") == "ok")


def _f(value: float | None, digits: int = 0) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    return f"{value:.{digits}f}"


def series(result: Result) -> dict[str, dict[str, list[tuple[int, float]]]]:
    """tool -> contender -> [(clients, 2xx req/s)], for every contender that was timed."""
    out: dict[str, dict[str, list[tuple[int, float]]]] = {}
    for tool in TOOLS:
        out[tool] = {}
        for name in result["contenders"]:
            if not ran(result, name):
                continue
            pts = [(c, p["ok_rps"]) for c in CLIENTS if (p := point(result, name, tool, c))]
            if pts:
                out[tool][name] = pts
    return out


def plot(result: Result, path: Path) -> None:
    """req/s against clients, one line per contender, one panel per client kind."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    data = series(result)
    fig, axes = plt.subplots(1, len(TOOLS), figsize=(11, 4.2), sharey=True)
    for ax, tool in zip(axes, TOOLS, strict=True):
        for name, pts in data[tool].items():
            style = "-" if name == "service" else "--" if name in FRAMEWORKS else ":"
            width = 2.5 if name == "service" else 1.3
            ax.plot([c for c, _ in pts], [r for _, r in pts], style, marker="o", label=name,
                    linewidth=width)  # fmt: skip
        ax.set_xscale("log", base=2)
        ax.set_xticks(CLIENTS, [str(c) for c in CLIENTS])
        ax.set_xlabel("concurrent clients")
        ax.set_title(TOOL_TITLE[tool].replace("`", ""), fontsize=10)
        ax.grid(alpha=0.3)
    axes[0].set_ylabel("2xx answers per second")
    axes[-1].legend(fontsize=8)
    fig.suptitle("POST /classify, one MNIST digit per request, same ONNX files", fontsize=11)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)


def targets(result: Result) -> list[tuple[str, str, bool | None]]:
    """(target, measured, met) for each tool; met is None where nothing could be compared. The
    targets are the service's as shipped; the throughput one is also given for SAME_WORK."""
    rows: list[tuple[str, str, bool | None]] = []
    timed = [f for f in FRAMEWORKS if f in result["contenders"] and ran(result, f)]
    for tool in TOOLS:
        others = {f: p for f in timed if (p := point(result, f, tool, 64))}
        for name in ("service", SAME_WORK):
            ours = point(result, name, tool, 64)
            target = f"{tool}: req/s @64 ≥ {TARGET_RATIO}× the best framework"
            if name != "service":
                target = f"{tool}, `{name}` (the frameworks' work): req/s @64 ≥ {TARGET_RATIO}×"
                if ours is None:
                    continue
            if ours is None or not others:
                rows.append((target, "–", None))
                continue
            best = max(others, key=lambda f: others[f]["ok_rps"])
            ratio = ours["ok_rps"] / others[best]["ok_rps"] if others[best]["ok_rps"] else math.inf
            rows.append((target, f"{ratio:.2f}× {best}", ratio >= TARGET_RATIO))
        ours = point(result, "service", tool, 64)
        if ours is not None:
            rows.append((f"{tool}: zero non-2xx @64", str(ours["non_2xx"]), ours["non_2xx"] == 0))
        ours1 = point(result, "service", tool, 1)
        p50s = {f: p["p50_ms"] for f in timed if (p := point(result, f, tool, 1))}
        if ours1 is None or not p50s:
            rows.append((f"{tool}: p50 @1 below each framework's", "–", None))
        else:
            worst = min(p50s, key=lambda f: p50s[f])
            rows.append((f"{tool}: p50 @1 below each framework's",
                         f"{ours1['p50_ms']:.2f} ms vs {p50s[worst]:.2f} ms ({worst})",
                         ours1["p50_ms"] < p50s[worst]))  # fmt: skip
    return rows


def markdown(result: Result) -> str:
    """The body of the section: how it was run, the tables, the targets and the plot."""
    env, params = result["environment"], result["parameters"]
    names = list(result["contenders"])
    load = ", ".join(f"{x:.2f}" for x in env["load_average_at_start"])
    lines = [
        f"`python -m bench.frameworks --seconds {params['seconds']:g}` on {env['date']} "
        f"({params.get('minutes', '?')} min): {env['cpu']}, {env['cores']} cores, load average "
        f"{load} at start, Python {env['python']}, {env.get('wrk', 'wrk')}, "
        f"{env.get('ab', 'ab')}. One contender at a time, on `POST /classify` with one MNIST "
        f"test digit per request, {params['seconds']:g} s per point; each is checked first "
        f"({params['digits']} digits must get the labels that onnxruntime gives in-process). "
        f"ab sends the first digit each time; wrk replays the {params['digits']} digits round "
        f"robin. req/s counts 2xx answers only; non-2xx and failed (connect, read, write, "
        f"timeout) requests are summed over the three loads.",
    ]
    if float(params["seconds"]) < 10:
        lines += ["", "> **A smoke run**: points this short show that every contender runs, not "
                  "how fast; the figures to quote come from the full run."]  # fmt: skip
    lines += ["", "| contender | what | venv: versions | labels | ready (s) | RSS after (MiB) |",
              "|---|---|---|---|---:|---:|"]  # fmt: skip
    for name in names:
        c = result["contenders"][name]
        versions = ", ".join(f"{k} {v}" for k, v in c.get("versions", {}).items())
        labels = c.get("labels")
        check = f"{labels['matched']}/{labels['total']}" if labels else "–"
        if labels and not c.get("must_match", True):
            check += " (not required)"
        lines.append(f"| {name} | {c['note']} | {c.get('venv', 'project')}: {versions} | {check} "
                     f"| {_f(c.get('ready_s'), 1)} | {_f(c.get('rss_mib'))} |")  # fmt: skip
    for tool in TOOLS:
        lines += [
            "",
            f"**{TOOL_TITLE[tool]}**",
            "",
            "| contender | p50 @1 (ms) | p99 @1 (ms) | req/s @1 | req/s @8 | req/s @64 "
            "| p50 @64 (ms) | p99 @64 (ms) | non-2xx | failed |",
            "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
        ]
        for name in names:
            c = result["contenders"][name]
            if not ran(result, name):
                lines.append(f"| {name} | {c['status']} |" + " |" * 8)
                continue
            pts = {n: point(result, name, tool, n) for n in CLIENTS}

            def get(n: int, key: str, pts: dict[int, dict[str, Any] | None] = pts) -> float | None:
                p = pts[n]
                return None if p is None else float(p[key])

            non_2xx = sum(int(p["non_2xx"]) for p in pts.values() if p)
            failed = sum(int(p["failed"]) for p in pts.values() if p)
            aborted = [f"@{n}: {p['aborted']}" for n, p in pts.items() if p and p["aborted"]]
            failed_cell = f"{failed}" + (f" (gave up {'; '.join(aborted)})" if aborted else "")
            rps = " | ".join(_f(get(n, "ok_rps")) for n in CLIENTS)
            lines.append(
                f"| {name} | {_f(get(1, 'p50_ms'), 2)} | {_f(get(1, 'p99_ms'), 2)} | {rps} | "
                f"{_f(get(64, 'p50_ms'), 1)} | {_f(get(64, 'p99_ms'), 1)} | "
                f"{'**' + str(non_2xx) + '**' if non_2xx else 0} | "
                f"{'**' + failed_cell + '**' if failed or aborted else 0} |"
            )
    lines += ["", "Batch sizes formed (model calls; mean and largest images per call) under wrk:",
              "", "| contender | @8: calls, mean, largest | @64: calls, mean, largest |",
              "|---|---|---|"]  # fmt: skip
    for name in names:
        c = result["contenders"][name]
        if not ran(result, name) or c.get("batches") == "none":
            continue
        cells = []
        for n in CLIENTS[1:]:
            b = (point(result, name, "wrk", n) or {}).get("batches")
            if not b or not b["calls"]:
                cells.append("–")
                continue
            largest = b["largest"]
            bound = "≤ " if c.get("batches") == "metrics" else ""
            cells.append(f"{b['calls']}, {b['mean']:.1f}, {bound}{_f(largest)}")
        lines.append(f"| {name} | {' | '.join(cells)} |")
    lines += ["", "| target (service against BentoML, LitServe, Triton) | measured | met |",
              "|---|---|---|"]  # fmt: skip
    for target, measured, met in targets(result):
        verdict = "–" if met is None else "yes" if met else "**no**"
        lines.append(f"| {target} | {measured} | {verdict} |")
    lines += ["", f"![2xx req/s against concurrent clients, every contender]({PLOT})", "", NOTES]
    return "\n".join(lines)


def replace_section(text: str, body: str, title: str) -> str:
    """`text` with the marked section's body replaced, or the section added after AFTER's."""
    block = f"{BEGIN}\n{body.strip()}\n{END}"
    if BEGIN in text and END in text:
        head, rest = text.split(BEGIN, 1)
        _, tail = rest.split(END, 1)
        return head + block + tail
    start = text.find(AFTER)
    if start < 0:
        raise ValueError(f"no {AFTER!r} heading to put the section after")
    following = text.find("\n## ", start + len(AFTER))
    at = len(text) if following < 0 else following + 1
    return text[:at] + f"## {title}\n\n{block}\n\n" + text[at:]
