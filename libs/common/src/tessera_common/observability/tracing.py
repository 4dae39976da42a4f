"""OpenTelemetry for every process: sampled traces, exported only where configured.

Sampling is parent-based, so a trace is recorded whole or not at all: a request that
arrives with a sampled `traceparent` is recorded in every process it reaches, through
Kafka too; a new trace is recorded with the ratio `OTEL_TRACES_SAMPLER_ARG` (1 % unless
set; `OTEL_TRACES_SAMPLER` picks another sampler, as the OpenTelemetry spec defines).
A span not recorded costs next to nothing but still has ids, which the logs carry.
Recorded spans leave the process over OTLP only when `OTEL_EXPORTER_OTLP_ENDPOINT` (or its
traces twin) is set, with the protocol `OTEL_EXPORTER_OTLP_PROTOCOL` names
(`http/protobuf` unless `grpc`).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache

from opentelemetry import trace
from opentelemetry.instrumentation.asyncpg import AsyncPGInstrumentor
from opentelemetry.instrumentation.httpx import HTTPXClientInstrumentor
from opentelemetry.instrumentation.redis import RedisInstrumentor
from opentelemetry.instrumentation.sqlalchemy import SQLAlchemyInstrumentor
from opentelemetry.instrumentation.utils import suppress_instrumentation
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, SpanExporter
from opentelemetry.sdk.trace.sampling import ParentBased, Sampler, TraceIdRatioBased
from sqlalchemy.ext.asyncio import AsyncEngine

TRACER_NAME = "tessera"
_ENDPOINT_VARIABLES = ("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "OTEL_EXPORTER_OTLP_ENDPOINT")
DEFAULT_SAMPLE_RATIO = 0.01
_configured = False


def exporting() -> bool:
    """Whether this process exports its spans (an OTLP endpoint is configured)."""
    return any(os.environ.get(name) for name in _ENDPOINT_VARIABLES)


def _otlp_exporter() -> SpanExporter:
    protocol = os.environ.get("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL") or os.environ.get(
        "OTEL_EXPORTER_OTLP_PROTOCOL", "http/protobuf"
    )
    if protocol == "grpc":
        from opentelemetry.exporter.otlp.proto.grpc.trace_exporter import (  # noqa: PLC0415
            OTLPSpanExporter as GrpcExporter,
        )

        return GrpcExporter()
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import (  # noqa: PLC0415
        OTLPSpanExporter as HttpExporter,
    )

    return HttpExporter()


def sampler() -> Sampler | None:
    """Parent-based at DEFAULT_SAMPLE_RATIO, unless OTEL_TRACES_SAMPLER names one (then None:
    the SDK reads the standard variables itself)."""
    if os.environ.get("OTEL_TRACES_SAMPLER"):
        return None
    ratio = float(os.environ.get("OTEL_TRACES_SAMPLER_ARG") or DEFAULT_SAMPLE_RATIO)
    return ParentBased(TraceIdRatioBased(ratio))


def configure_tracing(service: str) -> None:
    """Install the tracer provider and the client instrumentations, once per process."""
    global _configured  # noqa: PLW0603 - one provider per process
    if _configured:
        return
    _configured = True
    name = os.environ.get("OTEL_SERVICE_NAME") or service
    provider = TracerProvider(resource=Resource.create({"service.name": name}), sampler=sampler())
    if exporting():
        provider.add_span_processor(BatchSpanProcessor(_otlp_exporter()))
    trace.set_tracer_provider(provider)
    AsyncPGInstrumentor().instrument()  # type: ignore[no-untyped-call]
    RedisInstrumentor().instrument()
    HTTPXClientInstrumentor().instrument()


def trace_engine(engine: AsyncEngine) -> None:
    """A client span per statement of a SQLAlchemy engine."""
    SQLAlchemyInstrumentor().instrument(engine=engine.sync_engine)


@cache
def tracer() -> trace.Tracer:
    """Tessera's tracer (a proxy until the provider is installed, then the provider's)."""
    return trace.get_tracer(TRACER_NAME)


@contextmanager
def client_spans_if_recorded(span: trace.Span) -> Iterator[None]:
    """Under a span that is not recorded, the client instrumentations (Redis, asyncpg,
    SQLAlchemy, httpx) make no spans: theirs would not be recorded either, and building
    them cost the gateway a twentieth of its CPU. The trace context still propagates."""
    if span.is_recording():
        yield
    else:
        with suppress_instrumentation():
            yield


def shutdown_tracing() -> None:
    """Flush spans still queued for export."""
    provider = trace.get_tracer_provider()
    if isinstance(provider, TracerProvider):
        provider.shutdown()
