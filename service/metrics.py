"""The service's Prometheus metrics, kept and exposed by prometheus_client.

One process: the series live in this `Metrics`' own registry. Several worker processes
(`ccvae-serve --workers N`): prometheus_client's multiprocess mode. Each process writes its
values to memory-mapped files in one shared directory (PROMETHEUS_MULTIPROC_DIR), and whichever
worker answers GET /metrics sums the files of every process, those of exited workers included,
so a counter never goes down from one scrape to the next, whichever worker answers. A worker
marks itself dead when it stops (its live gauges go); one killed outright is marked dead by the
next scrape. `process_*` then come from each live worker's /proc, labelled by its pid.

Label values come from closed sets, so no request can add a series: route templates of the app
(else `other`), the HTTP methods of RFC 9110 (else `other`), status codes, the two model graphs
the micro-batchers call, and the shed reasons.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

from prometheus_client import (
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    ProcessCollector,
    disable_created_metrics,
    generate_latest,
    multiprocess,
    values,
)
from prometheus_client.exposition import choose_encoder
from prometheus_client.metrics_core import Metric
from prometheus_client.registry import Collector

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
METHODS = frozenset(
    {"GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH"}
)
SHED_REASONS = frozenset({"queue_full", "deadline"})
"""Why admission control refuses a request (`Metrics.shed`)."""
OTHER = "other"

LATENCY_BUCKETS = (
    *(0.0001, 0.00025, 0.0005, 0.00075, 0.001, 0.0015, 0.002, 0.003, 0.005, 0.0075),
    *(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)
"""Seconds; a digit's /classify takes about a millisecond, so the buckets start at 0.1 ms."""
MODEL_BUCKETS = (0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.1, 1.0)
BATCH_BUCKETS = (1, 2, 4, 8, 16, 32, 64, 128, 256, 512)

_DB = re.compile(r"_(\d+)\.db$")


class Metrics:
    """Requests, latency, model calls, queue depth and shed requests of this service."""

    def __init__(self, shared_dir: Path | None = None) -> None:
        self.shared_dir = shared_dir
        disable_created_metrics()  # `_created` series double the text; Prometheus ignores them
        # NOTE: prometheus_client picks its value store at import, from the environment; a
        # worker forked from a parent that imported it first must still pick the shared files.
        if shared_dir is not None:
            os.environ[MULTIPROC_ENV] = str(shared_dir)
            values.ValueClass = values.MultiProcessValue()
        else:
            values.ValueClass = values.MutexValue
        self.registry = CollectorRegistry()
        if shared_dir is None:
            ProcessCollector(registry=self.registry)
        on = {"registry": self.registry}
        self.requests = Counter(
            "ccvae_requests_total",
            "HTTP requests by endpoint, method and status (499: the client went away).",
            ["endpoint", "method", "status"],
            **on,
        )
        self.latency = Histogram(
            "ccvae_request_duration_seconds",
            "Request latency by endpoint and method.",
            ["endpoint", "method"],
            buckets=LATENCY_BUCKETS,
            **on,
        )
        self.batch_size = Histogram(
            "ccvae_batch_size", "Rows per model call.", ["batcher"], buckets=BATCH_BUCKETS, **on
        )
        self.model_seconds = Histogram(
            "ccvae_model_seconds",
            "Time of one model call (a merged batch), in seconds.",
            ["batcher"],
            buckets=MODEL_BUCKETS,
            **on,
        )
        self.queue_depth = Gauge(
            "ccvae_queue_depth",
            "Requests waiting in a micro-batcher's queue, summed over the live workers.",
            ["batcher"],
            multiprocess_mode="livesum",
            **on,
        )
        self.requests_shed = Counter(
            "ccvae_requests_shed",
            "Requests refused by admission control, by reason.",
            ["reason"],
            **on,
        )
        for reason in SHED_REASONS:  # at 0 from the start, so that rate() sees the first one
            self.requests_shed.labels(reason)
        self.model_info = Gauge(
            "ccvae_model_info",
            "The served model (1): name, version and the sha256 of its manifest.",
            ["name", "version", "sha256"],
            multiprocess_mode="livemax",
            **on,
        )
        self._depths: dict[str, Callable[[], int]] = {}
        self._published: dict[str, int] = {}
        self._series: dict[tuple[str, str, int], tuple[Counter, Histogram]] = {}
        self._calls: dict[str, tuple[Histogram, Histogram]] = {}

    def observe_request(self, endpoint: str, method: str, status: int, seconds: float) -> None:
        """Count and time one request; `endpoint` is a route template or `other`."""
        method = method if method in METHODS else OTHER
        key = (endpoint, method, status)
        series = self._series.get(key)
        if series is None:  # NOTE: `labels` validates and locks; the request path looks up once
            series = (self.requests.labels(*key), self.latency.labels(endpoint, method))
            self._series[key] = series
        series[0].inc()
        series[1].observe(seconds)

    def observe_model(self, batcher: str, rows: int, seconds: float) -> None:
        """One model call of `rows` rows that took `seconds`."""
        calls = self._calls.get(batcher)
        if calls is None:
            calls = self._calls[batcher] = (
                self.batch_size.labels(batcher),
                self.model_seconds.labels(batcher),
            )
        calls[0].observe(rows)
        calls[1].observe(seconds)

    def watch_depth(self, batcher: str, depth: Callable[[], int]) -> None:
        """Read a batcher's queue depth now, at each `record_depth`, and at each scrape."""
        self._depths[batcher] = depth
        self.record_depth(batcher)

    def record_depth(self, batcher: str) -> None:
        """Publish a watched batcher's queue depth (the other workers' scrapes see it)."""
        depth = self._depths[batcher]()
        if self._published.get(batcher) != depth:  # NOTE: a quiet service writes nothing
            self._published[batcher] = depth
            self.queue_depth.labels(batcher).set(depth)

    def shed(self, reason: str) -> None:
        """Count a request that admission control refused (`reason` in SHED_REASONS)."""
        self.requests_shed.labels(reason if reason in SHED_REASONS else OTHER).inc()

    def serve_model(self, name: str, version: str, sha256: str) -> None:
        """Say which model this process serves."""
        self.model_info.labels(name, version, sha256).set(1)

    def stop(self) -> None:
        """This process leaves: its live gauges go from the shared total, its counts stay."""
        if self.shared_dir is not None:
            multiprocess.mark_process_dead(os.getpid(), str(self.shared_dir))

    def exposition(self, accept: str | None) -> tuple[bytes, str]:
        """The whole server's metrics in the format a scraper's Accept header asks for, and its
        content type: OpenMetrics where it lists application/openmetrics-text (Prometheus does,
        first), else Prometheus text 0.0.4; prometheus_client's choose_encoder decides."""
        encoder, content_type = choose_encoder(accept or "")
        return self.render(encoder), content_type

    def render(self, encoder: Callable[[CollectorRegistry], bytes] = generate_latest) -> bytes:
        """The exposition of the whole server (Prometheus text unless `encoder` says otherwise)."""
        for batcher in self._depths:
            self.record_depth(batcher)
        if self.shared_dir is None:
            return encoder(self.registry)
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry, str(self.shared_dir))
        registry.register(WorkerProcesses(live_workers(self.shared_dir)))
        return encoder(registry)


def live_workers(shared_dir: Path) -> list[int]:
    """The pids with files in the shared directory still running; the others marked dead."""
    pids = {int(m.group(1)) for p in shared_dir.glob("*.db") if (m := _DB.search(p.name))}
    alive = []
    for pid in sorted(pids):
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            multiprocess.mark_process_dead(pid, str(shared_dir))
            continue
        except PermissionError:  # alive, under another user
            pass
        alive.append(pid)
    return alive


class WorkerProcesses(Collector):
    """prometheus_client's `process_*` series for each worker, labelled by its pid."""

    def __init__(self, pids: Iterable[int]) -> None:
        self.pids = list(pids)

    def collect(self) -> Iterator[Metric]:
        families: dict[str, Metric] = {}
        for pid in self.pids:
            for family in ProcessCollector(pid=lambda pid=pid: pid, registry=None).collect():
                merged = families.setdefault(
                    family.name, Metric(family.name, family.documentation, family.type)
                )
                for sample in family.samples:
                    merged.add_sample(sample.name, {**sample.labels, "pid": str(pid)}, sample.value)
        yield from families.values()
