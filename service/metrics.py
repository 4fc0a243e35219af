"""Prometheus counters and histograms, rendered in the text exposition format (0.0.4).

A few dozen lines instead of prometheus-client: the service needs counters and histograms with
labels and nothing else. With several worker processes (`ccvae-serve --workers`), each process
publishes a snapshot of its own series to a shared directory every half second, and whichever
process answers GET /metrics adds the others' latest snapshots to its own live series, so a scrape
counts the whole server (the other workers' last half second at most is still to come).
"""

from __future__ import annotations

import bisect
import json
import math
import os
import threading
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path
from typing import Any

LabelSet = tuple[tuple[str, str], ...]

LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
BATCH_BUCKETS = (1, 2, 4, 8, 16, 32, 64, 128, 256, 512)


def _labels(labels: LabelSet, extra: LabelSet = ()) -> str:
    pairs = [*labels, *extra]
    if not pairs:
        return ""
    escaped = (
        (k, v.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")) for k, v in pairs
    )
    return "{" + ",".join(f'{k}="{v}"' for k, v in escaped) + "}"


def _number(value: float) -> str:
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    return repr(float(value)) if not float(value).is_integer() else str(int(value))


class Counter:
    """A monotonically increasing count per label set."""

    def __init__(self, name: str, help_: str) -> None:
        self.name, self.help = name, help_
        self.values: dict[LabelSet, float] = defaultdict(float)

    def inc(self, amount: float = 1.0, **labels: str) -> None:
        self.values[tuple(sorted(labels.items()))] += amount

    def render(self) -> list[str]:
        lines = [f"# HELP {self.name} {self.help}", f"# TYPE {self.name} counter"]
        lines += [f"{self.name}{_labels(k)} {_number(v)}" for k, v in sorted(self.values.items())]
        return lines


class Histogram:
    """Cumulative buckets, sum and count per label set."""

    def __init__(self, name: str, help_: str, buckets: Sequence[float]) -> None:
        self.name, self.help = name, help_
        self.bounds = (*sorted(buckets), math.inf)
        self.series: dict[LabelSet, list[float]] = {}

    def observe(self, value: float, **labels: str) -> None:
        key = tuple(sorted(labels.items()))
        series = self.series.setdefault(key, [0.0] * (len(self.bounds) + 2))
        series[bisect.bisect_left(self.bounds, value)] += 1
        series[-2] += value
        series[-1] += 1

    def render(self) -> list[str]:
        lines = [f"# HELP {self.name} {self.help}", f"# TYPE {self.name} histogram"]
        for key, series in sorted(self.series.items()):
            cumulative = 0.0
            for bound, count in zip(self.bounds, series, strict=False):
                cumulative += count
                le = (("le", _number(bound)),)
                lines.append(f"{self.name}_bucket{_labels(key, le)} {_number(cumulative)}")
            lines.append(f"{self.name}_sum{_labels(key)} {_number(series[-2])}")
            lines.append(f"{self.name}_count{_labels(key)} {_number(series[-1])}")
        return lines


class Metrics:
    """The service's metrics: requests and latency per endpoint, micro-batch sizes, and requests
    refused for load."""

    content_type = "text/plain; version=0.0.4; charset=utf-8"
    publish_interval_s = 0.5

    def __init__(self, shared_dir: Path | None = None) -> None:
        self.shared_dir = shared_dir
        self._lock = threading.Lock()
        self.requests = Counter("ccvae_requests_total", "HTTP requests by endpoint and status.")
        self.latency = Histogram(
            "ccvae_request_duration_seconds", "Request latency by endpoint.", LATENCY_BUCKETS
        )
        self.batches = Histogram(
            "ccvae_batch_size", "Rows per model call of a micro-batcher.", BATCH_BUCKETS
        )
        self.sheds = Counter("ccvae_shed_total", "Requests refused for load (503), by reason.")

    def observe_request(self, endpoint: str, method: str, status: int, seconds: float) -> None:
        with self._lock:
            self.requests.inc(endpoint=endpoint, method=method, status=str(status))
            self.latency.observe(seconds, endpoint=endpoint, method=method)

    def observe_batch(self, batcher: str, size: int) -> None:
        with self._lock:
            self.batches.observe(size, batcher=batcher)

    def shed(self, reason: str) -> None:
        with self._lock:
            self.sheds.inc(reason=reason)

    def snapshot(self) -> dict[str, Any]:
        """Every series as JSON-ready lists: [labels, value] for counters, [labels, series]."""
        with self._lock:
            return {
                "requests": [[list(k), v] for k, v in self.requests.values.items()],
                "sheds": [[list(k), v] for k, v in self.sheds.values.items()],
                "latency": [[list(k), list(v)] for k, v in self.latency.series.items()],
                "batches": [[list(k), list(v)] for k, v in self.batches.series.items()],
            }

    def absorb(self, snapshot: dict[str, Any]) -> None:
        """Add another process's snapshot to these series."""
        with self._lock:
            for name, counter in (("requests", self.requests), ("sheds", self.sheds)):
                for labels, value in snapshot.get(name, []):
                    counter.values[tuple(tuple(p) for p in labels)] += value
            for name, histogram in (("latency", self.latency), ("batches", self.batches)):
                for labels, series in snapshot[name]:
                    key = tuple(tuple(p) for p in labels)
                    mine = histogram.series.setdefault(key, [0.0] * len(series))
                    histogram.series[key] = [a + b for a, b in zip(mine, series, strict=True)]

    def publish(self) -> None:
        """Write this process's snapshot for the other workers (atomically: rename)."""
        if self.shared_dir is None:
            return
        target = self.shared_dir / f"{os.getpid()}.json"
        partial = target.with_suffix(".part")
        partial.write_text(json.dumps(self.snapshot()))
        partial.replace(target)

    def render(self) -> str:
        """The exposition text: this process's series, plus the other workers' snapshots."""
        whole = self
        if self.shared_dir is not None:
            whole = Metrics()
            whole.absorb(self.snapshot())
            for path in sorted(self.shared_dir.glob("*.json")):
                if path.stem != str(os.getpid()):
                    try:
                        whole.absorb(json.loads(path.read_text()))
                    except (OSError, ValueError):  # a worker mid-write or gone: next scrape
                        continue
        with whole._lock:
            lines = [
                *whole.requests.render(),
                *whole.latency.render(),
                *whole.batches.render(),
                *whole.sheds.render(),
            ]
        return "\n".join(lines) + "\n"
