"""OpenTelemetry for every process: spans always made, exported only where configured.

Spans carry the trace id into the logs; they leave the process over OTLP only when
`OTEL_EXPORTER_OTLP_ENDPOINT` (or its traces twin) is set, with the protocol
`OTEL_EXPORTER_OTLP_PROTOCOL` names (`http/protobuf` unless `grpc`).
"""

from __future__ import annotations

import os

from fastapi import FastAPI
from opentelemetry import trace
from opentelemetry.instrumentation.asyncpg import AsyncPGInstrumentor
from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor
from opentelemetry.instrumentation.httpx import HTTPXClientInstrumentor
from opentelemetry.instrumentation.redis import RedisInstrumentor
from opentelemetry.instrumentation.sqlalchemy import SQLAlchemyInstrumentor
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, SpanExporter
from sqlalchemy.ext.asyncio import AsyncEngine

TRACER_NAME = "tessera"
# Probes and scrapes would drown the traces that matter.
UNTRACED_PATHS = "healthz,readyz,metrics,status"
_ENDPOINT_VARIABLES = ("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "OTEL_EXPORTER_OTLP_ENDPOINT")
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


def configure_tracing(service: str) -> None:
    """Install the tracer provider and the client instrumentations, once per process."""
    global _configured  # noqa: PLW0603 - one provider per process
    if _configured:
        return
    _configured = True
    name = os.environ.get("OTEL_SERVICE_NAME") or service
    provider = TracerProvider(resource=Resource.create({"service.name": name}))
    if exporting():
        provider.add_span_processor(BatchSpanProcessor(_otlp_exporter()))
    trace.set_tracer_provider(provider)
    AsyncPGInstrumentor().instrument()  # type: ignore[no-untyped-call]
    RedisInstrumentor().instrument()
    HTTPXClientInstrumentor().instrument()


def trace_app(app: FastAPI) -> None:
    """A server span per request, continuing the caller's `traceparent`."""
    FastAPIInstrumentor.instrument_app(app, excluded_urls=UNTRACED_PATHS)


def trace_engine(engine: AsyncEngine) -> None:
    """A client span per statement of a SQLAlchemy engine."""
    SQLAlchemyInstrumentor().instrument(engine=engine.sync_engine)


def tracer() -> trace.Tracer:
    return trace.get_tracer(TRACER_NAME)


def shutdown_tracing() -> None:
    """Flush spans still queued for export."""
    provider = trace.get_tracer_provider()
    if isinstance(provider, TracerProvider):
        provider.shutdown()
