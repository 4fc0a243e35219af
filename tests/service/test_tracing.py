"""Tracing: spans for decode, queue wait, model and encode under the request's server span."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind

from service.settings import Settings
from service.tracing import Tracing
from tests.service.conftest import png, serve

TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736"
PARENT_ID = "00f067aa0ba902b7"
TRACEPARENT = f"00-{TRACE_ID}-{PARENT_ID}-01"


@pytest.fixture
def exported() -> Iterator[tuple[Tracing, InMemorySpanExporter]]:
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    yield Tracing(provider), exporter
    provider.shutdown()


def by_name(spans: tuple[ReadableSpan, ...]) -> dict[str, list[ReadableSpan]]:
    named: dict[str, list[ReadableSpan]] = {}
    for span in spans:
        named.setdefault(span.name, []).append(span)
    return named


@pytest.mark.parametrize("batching", [True, False])
def test_a_request_is_traced_through_decode_queue_model_and_encode(
    shipped_model: Path,
    mnist: tuple[np.ndarray, np.ndarray],
    exported: tuple[Tracing, InMemorySpanExporter],
    batching: bool,
) -> None:
    tracing, exporter = exported
    settings = Settings(model_dir=shipped_model, threads=1, batching=batching)
    with serve(settings, tracing) as client:
        exporter.clear()  # the warm-up's, if any
        headers = {"content-type": "image/png", "traceparent": TRACEPARENT}
        response = client.post("/reconstruct", content=png(mnist[0][0]), headers=headers)
        assert response.status_code == 200
    spans = by_name(exporter.get_finished_spans())
    (server,) = spans.pop("POST /reconstruct")
    assert server.kind == SpanKind.SERVER
    assert server.attributes is not None
    assert server.attributes["http.response.status_code"] == 200
    assert server.parent is not None and f"{server.parent.span_id:016x}" == PARENT_ID
    # the encoder's call, then the decoder's: each a wait in the queue and a model call
    assert {name: len(group) for name, group in spans.items()} == {
        "decode": 1,
        "queue": 2,
        "model": 2,
        "encode": 1,
    }
    for span in (s for group in spans.values() for s in group):
        assert f"{span.context.trace_id:032x}" == TRACE_ID
        assert span.parent is not None and span.parent.span_id == server.context.span_id
        assert server.start_time <= span.start_time <= span.end_time <= server.end_time
    queue, model = sorted(spans["queue"], key=lambda s: s.start_time), spans["model"]
    assert queue[0].end_time <= min(m.start_time for m in model)


def test_tracing_is_off_unless_the_otel_environment_asks() -> None:
    endpoint = {"OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:4318"}
    assert not Tracing.from_environment({}).enabled
    assert not Tracing.from_environment({**endpoint, "OTEL_TRACES_EXPORTER": "none"}).enabled
    assert not Tracing.from_environment({**endpoint, "OTEL_SDK_DISABLED": "true"}).enabled
    for environ in (endpoint, {"OTEL_TRACES_EXPORTER": "console"}):
        tracing = Tracing.from_environment(environ)
        assert tracing.enabled
        tracing.shutdown()


@pytest.mark.parametrize(
    ("environ", "words"),
    [
        ({"OTEL_TRACES_EXPORTER": "zipkin"}, "OTEL_TRACES_EXPORTER='zipkin'"),
        ({"OTEL_TRACES_EXPORTER": "otlp", "OTEL_EXPORTER_OTLP_PROTOCOL": "grpc"}, "'grpc'"),
    ],
)
def test_tracing_refuses_an_exporter_it_cannot_give(environ: dict[str, str], words: str) -> None:
    with pytest.raises(ValueError) as refused:
        Tracing.from_environment(environ)
    assert words in str(refused.value)


GLOBAL_PROVIDER = """
import sys
from fastapi.testclient import TestClient
from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from service.app import create_app
from service.settings import Settings
from service.tracing import Tracing

def exporting():
    exporter, provider = InMemorySpanExporter(), TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    return exporter, provider

host, host_provider = exporting()  # what opentelemetry-instrument sets up for the process
trace.set_tracer_provider(host_provider)
own, own_provider = exporting()
app = create_app(Settings(model_dir=sys.argv[1], threads=1), Tracing(own_provider))
with TestClient(app) as client:
    assert client.post("/generate?label=7&seed=1").status_code == 200
servers = [span.name for span in (*host.get_finished_spans(), *own.get_finished_spans())
           if span.kind == trace.SpanKind.SERVER]
print(servers)
"""


def test_a_request_has_one_server_span_when_the_process_has_a_global_provider(
    shipped_model: Path,
) -> None:
    """FastAPI traces requests itself once a global provider exists (as `opentelemetry-instrument`
    sets one); the service's own span is the request's one server span. In a subprocess: a
    global provider can be set once per process."""
    run = subprocess.run(
        [sys.executable, "-c", GLOBAL_PROVIDER, str(shipped_model)],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr[-2000:]
    assert run.stdout.strip().splitlines()[-1] == "['POST /generate']"
