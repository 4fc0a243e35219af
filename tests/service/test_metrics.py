"""Metrics: sub-millisecond buckets, label values from closed sets, and sums over processes."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import httpx
import numpy as np
import pytest

from service.metrics import Metrics
from tests.service.conftest import Client, png
from tests.service.live_server import connect, raw_json_error, read_to_close, start_server
from tests.service.prometheus import OPENMETRICS, openmetrics_samples, samples, value

RAW = {"content-type": "image/png"}


def test_render_counts_requests_in_sub_millisecond_buckets() -> None:
    metrics = Metrics()
    metrics.observe_request("/classify", "POST", 200, 0.0004)
    metrics.observe_request("/classify", "POST", 200, 0.0009)
    metrics.observe_request("/classify", "POST", 422, 0.02)
    text = metrics.render().decode()
    series = {"endpoint": "/classify", "method": "POST"}
    assert value(text, "ccvae_requests_total", **series, status="200") == 2
    assert value(text, "ccvae_requests_total", **series, status="422") == 1
    bucket = "ccvae_request_duration_seconds_bucket"
    assert value(text, bucket, **series, le="0.0005") == 1
    assert value(text, bucket, **series, le="0.001") == 2
    assert value(text, bucket, **series, le="+Inf") == 3
    assert value(text, "process_resident_memory_bytes") > 0


def test_render_says_which_model_is_served_and_how_its_calls_went() -> None:
    metrics = Metrics()
    metrics.serve_model("ccvae-mnist", "1.1.0", "ab" * 32)
    metrics.observe_model("encoder", 3, 0.0007)
    metrics.watch_depth("encoder", lambda: 5)
    text = metrics.render().decode()
    info = {"name": "ccvae-mnist", "version": "1.1.0", "sha256": "ab" * 32}
    assert value(text, "ccvae_model_info", **info) == 1
    assert value(text, "ccvae_batch_size_sum", batcher="encoder") == 3
    assert value(text, "ccvae_model_seconds_bucket", batcher="encoder", le="0.001") == 1
    assert value(text, "ccvae_queue_depth", batcher="encoder") == 5


def test_shed_counts_reasons_from_a_closed_set() -> None:
    metrics = Metrics()
    for reason in ("queue_full", "queue_full", "deadline", "made-up"):
        metrics.shed(reason)
    text = metrics.render().decode()
    assert value(text, "ccvae_requests_shed_total", reason="queue_full") == 2
    assert value(text, "ccvae_requests_shed_total", reason="deadline") == 1
    assert value(text, "ccvae_requests_shed_total", reason="other") == 1


def test_a_scraper_that_asks_for_openmetrics_gets_it_with_the_same_counts(client: Client) -> None:
    """Prometheus lists OpenMetrics first in its Accept header; a scraper that sends none (curl)
    gets the Prometheus text format."""
    client.post("/generate", params={"label": "7", "seed": 1})
    plain = client.get("/metrics")
    opened = client.get("/metrics", headers={"accept": OPENMETRICS})
    assert plain.headers["content-type"] == "text/plain; version=0.0.4; charset=utf-8"
    assert opened.headers["content-type"].startswith("application/openmetrics-text; version=1.0.0")
    assert opened.text.endswith("# EOF\n")
    series = {"endpoint": "/generate", "method": "POST", "status": "200"}
    key = ("ccvae_requests_total", frozenset(series.items()))
    assert openmetrics_samples(opened.text)[key] == samples(plain.text)[key] >= 1


def test_made_up_methods_and_paths_add_no_series(client: Client) -> None:
    def series() -> set[tuple[str, frozenset[tuple[str, str]]]]:
        return set(samples(client.get("/metrics").text))

    def made_up(i: int) -> None:
        assert client.request(f"MADEUP{i}", "/classify").status_code == 405
        assert client.request(f"MADEUP{i}", f"/nowhere/{i}").status_code == 404
        assert client.get(f"/no/such/page/{i}").status_code == 404

    made_up(0)
    series()  # the scrape is counted too
    before = series()
    for i in range(1, 300):
        made_up(i)
    assert series() == before
    text = client.get("/metrics").text
    assert value(text, "ccvae_requests_total", endpoint="other", method="other", status="404") > 0
    assert 'method="MADEUP' not in text and "/nowhere" not in text


def test_requests_refused_before_routing_count_under_the_endpoint_they_were_sent_to(
    client: Client,
) -> None:
    """A body over the limit is refused before any route runs; a scraper still sees which
    endpoint it was for, as for a wrong method, and only a path no route has is `other`."""

    def count(endpoint: str, method: str, status: str) -> float:
        labels = {"endpoint": endpoint, "method": method, "status": status}
        return value(client.get("/metrics").text, "ccvae_requests_total", **labels)

    before = count("/v2/models/{name}/infer", "POST", "413"), count("/classify", "other", "405")
    too_large = client.post(
        "/v2/models/encoder/infer",
        content=b"0" * (10 * 2**20 + 1),
        headers={"content-type": "application/json"},
    )
    assert too_large.status_code == 413
    assert client.request("MADEUP", "/classify").status_code == 405
    after = count("/v2/models/{name}/infer", "POST", "413"), count("/classify", "other", "405")
    assert after == (before[0] + 1, before[1] + 1)


RECORD = """
import sys
from pathlib import Path
from service.metrics import Metrics

metrics = Metrics(Path(sys.argv[1]))
metrics.watch_depth("encoder", lambda: 2)
for _ in range(int(sys.argv[2])):
    metrics.observe_request("/classify", "POST", 200, 0.001)
if sys.argv[3] == "stop":
    metrics.stop()
print(metrics.render().decode(), flush=True)
sys.stdin.read()  # stays alive until the test closes stdin
"""


def test_processes_sharing_a_directory_are_summed_and_leavers_keep_their_counts(
    tmp_path: Path,
) -> None:
    started: list[subprocess.Popen[str]] = []

    def worker(count: int, how: str) -> tuple[int, str]:
        """A process that counts `count` requests, renders /metrics, and lives on until told."""
        command = [sys.executable, "-c", textwrap.dedent(RECORD), str(tmp_path), str(count), how]
        process = subprocess.Popen(
            command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
        )
        started.append(process)
        assert process.stdout is not None
        lines = []
        for line in process.stdout:
            if line == "\n":
                break
            lines.append(line)
        return process.pid, "".join(lines)

    def pids(text: str) -> set[int]:
        found = samples(text)
        return {int(dict(k)["pid"]) for n, k in found if n == "process_resident_memory_bytes"}

    series = {"endpoint": "/classify", "method": "POST", "status": "200"}
    try:
        stays, _ = worker(3, "stay")
        killed, _ = worker(5, "stay")
        left, text = worker(7, "stop")  # marks itself dead before it renders
        assert value(text, "ccvae_requests_total", **series) == 15
        assert value(text, "ccvae_queue_depth", batcher="encoder") == 2 + 2  # live gauges only
        assert pids(text) == {stays, killed, left}

        os.kill(killed, signal.SIGKILL)
        for process in started:
            if process.pid in (killed, left):
                process.communicate()
        newcomer, text = worker(0, "stay")  # as a respawned worker would scrape
        assert value(text, "ccvae_requests_total", **series) == 15  # every count stays
        assert value(text, "ccvae_queue_depth", batcher="encoder") == 2 + 2
        assert pids(text) == {stays, newcomer}
    finally:
        for process in started:
            process.kill()
            process.communicate()


def counters(text: str) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    """The service's cumulative samples (counters and histograms), which must never go down."""
    cumulative = ("_total", "_count", "_sum", "_bucket")
    return {
        key: v
        for key, v in samples(text).items()
        if key[0].startswith("ccvae_") and key[0].endswith(cumulative)
    }


def test_counters_never_decrease_across_scrapes_of_several_workers_under_load(
    shipped_model: Path, mnist: tuple[np.ndarray, np.ndarray]
) -> None:
    server, url = start_server(shipped_model, "--workers", "2")
    digit = png(mnist[0][0])
    answered: list[int] = []
    stop = threading.Event()

    def load() -> None:
        with httpx.Client(base_url=url, timeout=10) as client:
            while not stop.is_set():
                answered.append(client.post("/classify", content=digit, headers=RAW).status_code)

    seen: dict[tuple[str, frozenset[tuple[str, str]]], float] = {}
    drops: list[str] = []

    def scrape() -> str:
        text = httpx.get(f"{url}/metrics", timeout=10).text  # a new connection: either worker
        now = counters(text)
        drops.extend(f"{k}: {v} -> {now.get(k)}" for k, v in seen.items() if now.get(k, 0) < v)
        seen.update(now)
        return text

    threads = [threading.Thread(target=load) for _ in range(4)]
    try:
        for thread in threads:
            thread.start()
        for _ in range(60):
            scrape()
        stop.set()
        for thread in threads:
            thread.join()
        text = scrape()
        ok = {"endpoint": "/classify", "method": "POST", "status": "200"}
        assert value(text, "ccvae_requests_total", **ok) == answered.count(200) > 0
        workers = {
            int(dict(k)["pid"]) for n, k in samples(text) if n == "process_cpu_seconds_total"
        }
        assert len(workers) == 2

        os.kill(min(workers), signal.SIGKILL)  # a crash; granian starts another worker
        time.sleep(0.5)
        for _ in range(20):
            text = scrape()
        assert value(text, "ccvae_requests_total", **ok) == answered.count(200)
        assert f'pid="{min(workers)}"' not in text
        opened = httpx.get(f"{url}/metrics", headers={"accept": OPENMETRICS}, timeout=10).text
        key = ("ccvae_requests_total", frozenset(ok.items()))
        assert openmetrics_samples(opened)[key] == answered.count(200)  # summed, as OpenMetrics
    finally:
        stop.set()
        server.terminate()
        server.communicate(timeout=30)
    assert not drops


@pytest.mark.parametrize("kind", ["granian", "uvicorn"])
def test_a_client_that_hangs_up_is_counted_as_499_without_a_traceback(
    shipped_model: Path, kind: str
) -> None:
    server, url = start_server(shipped_model, "--server", kind)
    head = b"POST /classify HTTP/1.1\r\nHost: x\r\nContent-Type: image/png\r\n"
    try:
        with connect(url) as hangs_up:
            hangs_up.sendall(head + b"Content-Length: 100000\r\n\r\n" + b"x" * 1000)
            time.sleep(0.3)  # the service is reading the body when the client goes
        with connect(url) as bad_chunks:
            bad_chunks.sendall(head + b"Transfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n0\r\n\r\n")
            answer = read_to_close(bad_chunks)
        time.sleep(0.3)
        text = httpx.get(f"{url}/metrics", timeout=10).text
        assert httpx.get(f"{url}/health/ready", timeout=10).status_code == 200
    finally:
        server.terminate()
        output, _ = server.communicate(timeout=30)
    series = {"endpoint": "/classify", "method": "POST"}
    assert value(text, "ccvae_requests_total", **series, status="500") == 0
    assert value(text, "ccvae_requests_total", **series, status="499") >= 1
    assert b"Traceback" not in output and b"ClientDisconnect" not in output
    if kind == "granian":  # it ends the body as if the client had gone: the answer says both
        assert "a malformed chunk" in raw_json_error(answer, 499)["message"]


@pytest.mark.parametrize("path", ["/classify", "/v2/models/classifier/infer"])
def test_a_request_whose_client_is_gone_is_counted_as_499(client: Client, path: str) -> None:
    series = {"endpoint": path.replace("classifier", "{name}"), "method": "POST"}
    before = client.get("/metrics").text
    gone = {"type": "http.disconnect"}  # what the server says once the client has gone
    headers = [(b"content-type", b"image/png"), (b"content-length", b"1000")]
    client.connection(gone, path=path, method="POST", headers=headers)
    after = client.get("/metrics").text
    for status, more in (("499", 1), ("500", 0), ("400", 0)):
        added = value(after, "ccvae_requests_total", **series, status=status) - value(
            before, "ccvae_requests_total", **series, status=status
        )
        assert added == more
