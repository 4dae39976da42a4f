"""W3C trace context through Kafka: into outbox rows, onto messages, out of consumed ones."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from opentelemetry import propagate
from opentelemetry.context import Context

KafkaHeaders = Iterable[tuple[str, bytes]] | Mapping[str, bytes] | None


def current_trace_headers() -> dict[str, str]:
    """The active span's `traceparent` (and `tracestate`), as text headers."""
    carrier: dict[str, str] = {}
    propagate.inject(carrier)
    return carrier


def trace_headers_of(context: Context) -> dict[str, str]:
    """The trace headers that make `context` the parent of the receiver's span."""
    carrier: dict[str, str] = {}
    propagate.inject(carrier, context=context)
    return carrier


def context_from_text(headers: Mapping[str, str]) -> Context:
    return propagate.extract(headers)


def context_from_kafka(headers: KafkaHeaders) -> Context:
    """The trace context a Kafka message carries in its headers (empty when none)."""
    pairs = headers.items() if isinstance(headers, Mapping) else headers or ()
    text = {name: value.decode("latin-1") for name, value in pairs if value is not None}
    return propagate.extract(text)
