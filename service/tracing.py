"""OpenTelemetry tracing: a server span per request, with child spans for its stages.

The stages are `decode` (the uploaded images), `queue` (waiting for a micro-batch), `model` (the
model call that served the request, shared by every request of its batch) and `encode` (the
response). Spans are exported only when the standard environment asks: OTEL_TRACES_EXPORTER
(`otlp` or `console`; `none` turns tracing off) or an OTLP endpoint (OTEL_EXPORTER_OTLP_ENDPOINT,
OTEL_EXPORTER_OTLP_TRACES_ENDPOINT); OTEL_SDK_DISABLED=true wins. The exporter reads the rest of
the OTEL_* variables itself (headers, timeout, OTEL_SERVICE_NAME, OTEL_RESOURCE_ATTRIBUTES...).

When tracing is off, `span` is one context-variable read and a shared null context: the request
path makes no OpenTelemetry call at all.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Mapping
from contextvars import ContextVar
from typing import TYPE_CHECKING, Any

from opentelemetry import context, propagate, trace

if TYPE_CHECKING:
    from opentelemetry.sdk.trace import TracerProvider

EXPORTERS = ("otlp", "console", "none")
_NULL = contextlib.nullcontext()
_ACTIVE: ContextVar[Tracing | None] = ContextVar("ccvae_tracing", default=None)


class Tracing:
    """The app's tracer; `provider=None` is tracing off."""

    def __init__(self, provider: TracerProvider | None = None) -> None:
        self.provider = provider
        self.tracer = provider.get_tracer("ccvae-serve") if provider is not None else None

    @classmethod
    def from_environment(cls, environ: Mapping[str, str]) -> Tracing:
        """Tracing as the OTEL_* variables ask, or off."""
        exporter = environ.get("OTEL_TRACES_EXPORTER", "").strip().lower()
        endpoint = environ.get("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT") or environ.get(
            "OTEL_EXPORTER_OTLP_ENDPOINT"
        )
        disabled = environ.get("OTEL_SDK_DISABLED", "").strip().lower() == "true"
        if disabled or exporter == "none" or not (exporter or endpoint):
            return cls()
        if exporter not in ("", *EXPORTERS):
            raise ValueError(f"OTEL_TRACES_EXPORTER={exporter!r}: expected one of {EXPORTERS}")
        return cls(_provider(exporter or "otlp", environ))

    @property
    def enabled(self) -> bool:
        return self.tracer is not None

    @contextlib.contextmanager
    def request(self, method: str, path: str, headers: list[tuple[bytes, bytes]]) -> Iterator[Any]:
        """The server span of one request, continuing the caller's trace (W3C traceparent)."""
        assert self.tracer is not None
        carrier = {k.decode("latin-1"): v.decode("latin-1") for k, v in headers}
        token = context.attach(propagate.extract(carrier))
        active = _ACTIVE.set(self)
        try:
            with self.tracer.start_as_current_span(
                method,  # the route template joins it once routing has found one
                kind=trace.SpanKind.SERVER,
                attributes={"http.request.method": method, "url.path": path},
            ) as span:
                yield span
        finally:
            _ACTIVE.reset(active)
            context.detach(token)

    def shutdown(self) -> None:
        """Flush and stop the exporter."""
        if self.provider is not None:
            self.provider.shutdown()


def _provider(exporter: str, environ: Mapping[str, str]) -> TracerProvider:
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import (
        BatchSpanProcessor,
        ConsoleSpanExporter,
        SpanExporter,
    )

    named = {} if environ.get("OTEL_SERVICE_NAME") else {"service.name": "ccvae-serve"}
    provider = TracerProvider(resource=Resource.create(named))
    chosen: SpanExporter
    if exporter == "console":
        chosen = ConsoleSpanExporter()
    else:
        protocol = environ.get("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL") or environ.get(
            "OTEL_EXPORTER_OTLP_PROTOCOL", "http/protobuf"
        )
        if protocol != "http/protobuf":
            raise ValueError(f"OTLP protocol {protocol!r}: this service exports http/protobuf only")
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

        chosen = OTLPSpanExporter()
    provider.add_span_processor(BatchSpanProcessor(chosen))
    return provider


def span(name: str) -> contextlib.AbstractContextManager[Any]:
    """A child span of the current request's, or nothing when tracing is off."""
    tracing = _ACTIVE.get()
    if tracing is None or tracing.tracer is None:
        return _NULL
    return tracing.tracer.start_as_current_span(name)


def record(name: str, start_ns: int, end_ns: int) -> None:
    """A finished child span of the current request's, timed by the caller (epoch ns)."""
    tracing = _ACTIVE.get()
    if tracing is not None and tracing.tracer is not None:
        tracing.tracer.start_span(name, start_time=start_ns).end(end_time=end_ns)
