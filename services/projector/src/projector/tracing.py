"""Spans for applied batches: each event's span continues the trace its Kafka headers carry."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager

from opentelemetry import trace
from opentelemetry.trace import Link, Span, SpanKind

from tessera_common.observability.propagation import KafkaHeaders, context_from_kafka
from tessera_common.observability.tracing import tracer


@contextmanager
def traced_apply(topic: str, headers: Sequence[KafkaHeaders]) -> Iterator[None]:
    """A current span for the batch (linked to its events) and a child span per traced event."""
    attributes = {"messaging.system": "kafka", "messaging.destination.name": topic}
    parents = [trace.get_current_span(context_from_kafka(h)).get_span_context() for h in headers]
    traced = [parent for parent in parents if parent.is_valid]
    links = [Link(parent) for parent in traced]
    with tracer().start_as_current_span(
        f"{topic} apply batch", kind=SpanKind.CONSUMER, links=links, attributes=attributes
    ):
        spans: list[Span] = [
            tracer().start_span(
                f"{topic} apply",
                context=trace.set_span_in_context(trace.NonRecordingSpan(parent)),
                kind=SpanKind.CONSUMER,
                attributes=attributes,
            )
            for parent in traced
        ]
        try:
            yield
        finally:
            for span in spans:
                span.end()
