"""bench/openloop.py and bench/overload.py: requests go out on schedule whether or not earlier
ones were answered, every answer is counted by status, and a point's figures follow from them."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import numpy as np
import pytest

from bench import openloop, overload
from bench.workload import Request


class Handler(BaseHTTPRequestHandler):
    """200 on /ok, 503 elsewhere; each answer after `delay_s`, over HTTP/1.1 keep-alive."""

    protocol_version = "HTTP/1.1"
    delay_s = 0.0

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        time.sleep(self.delay_s)
        body = b"{}"
        self.send_response(200 if self.path == "/ok" else 503)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


def serving(delay_s: float) -> Iterator[str]:
    handler = type("Slow", (Handler,), {"delay_s": delay_s})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def quick() -> Iterator[str]:
    yield from serving(0.0)


@pytest.fixture
def slow() -> Iterator[str]:
    yield from serving(0.2)


def test_every_request_is_sent_on_schedule_and_counted_by_status(quick: str) -> None:
    requests = [Request("POST", "/ok", None, b""), Request("POST", "/busy", "text/plain", b"x")]
    run = openloop.run(quick, requests, rate=200, seconds=0.5)
    assert len(run.status) == 100
    assert (run.status[0::2] == 200).all() and (run.status[1::2] == 503).all()
    np.testing.assert_allclose(run.due[:3], [0.0, 0.005, 0.01])
    assert (run.done >= run.due).all()
    assert 0 < run.cpu_s < 5


def test_a_slow_server_does_not_slow_the_schedule(slow: str) -> None:
    run = openloop.run(slow, [Request("POST", "/ok", None, b"")], rate=50, seconds=0.4)
    assert (run.status == 200).all()
    assert run.connections > 1  # it opened connections rather than wait for answers
    latency = run.done - run.due
    assert latency.min() >= 0.2
    assert latency.max() < 2.0  # one connection, waiting for each answer, would need 4 s


def test_summarise_counts_goodput_sheds_and_failures_apart() -> None:
    run = openloop.Run(
        rate=4.0,
        seconds=1.0,
        due=np.array([0.0, 0.25, 0.5, 0.75]),
        done=np.array([0.01, 0.27, 0.52, np.nan]),
        status=np.array([200, 503, 200, -1]),
        cpu_s=0.1,
        connections=2,
    )
    figures = overload.summarise(run, capacity=4.0, rss=[100.0, 110.0, 105.0], cpu_s=0.5)
    assert figures["goodput_rps"] == 2.0 and figures["goodput_share"] == 0.5
    assert figures["shed_share"] == 0.25 and figures["other_failures"] == 1
    assert figures["p50_ms"] == pytest.approx(15.0)
    assert figures["rss_mib"] == [100.0, 110.0, 105.0]
    assert figures["client_cpu_share"] == pytest.approx(0.1)
