"""A consumer loop for choreography: batches in, handled in order, offsets committed after.

A handler takes one event. On the topics a consumer batches, a handler that also has `many`
takes each partition's fetched events at once (in one transaction per shard rather than one
per event), with the same effect; there each event's trace is linked from the batch's span
rather than continued, so a topic whose reactions should stay in their request's trace is
handled one event at a time.
Events whose `event_type` header names a type the consumer does not react to are passed
over unparsed. Offsets are committed at most once a second while events flow, and as soon
as the topic goes quiet: a consumer that stops between commits gets the events since again
(as after any crash), which the handlers' idempotence absorbs.
Handlers are idempotent (see `tessera_common.inbox`). What is retried and what is
dead-lettered is every consumer's policy (`kafka/policies`): a transient failure of the
handler's store is retried with backoff and the offsets wait; an event that cannot be
parsed or applied goes to its topic's dead-letter twin with the error attached.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Collection, Sequence
from typing import Protocol, runtime_checkable

import structlog
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.structs import ConsumerRecord
from opentelemetry.trace import Link, SpanKind, get_current_span
from prometheus_client import Counter
from tenacity import RetryCallState

from tessera_common.events.envelope import EVENT_TYPE_HEADER, EventEnvelope
from tessera_common.kafka.clients import create_consumer, create_producer
from tessera_common.kafka.policies import (
    dead_letter_headers,
    dlq_of,
    failure_text,
    record_lag,
    while_transient,
)
from tessera_common.observability.propagation import context_from_kafka
from tessera_common.observability.tracing import tracer
from tessera_common.settings import KafkaSettings

log = structlog.get_logger(__name__)


class Handler(Protocol):
    async def __call__(self, event: EventEnvelope) -> None: ...


@runtime_checkable
class BatchHandler(Handler, Protocol):
    async def many(self, events: Sequence[EventEnvelope]) -> None:
        """Events of one partition, in order, with the effect of each in turn."""


COMMIT_INTERVAL_SECONDS = 1.0
CONSUMED = Counter(
    "tessera_consumer_events_total", "Events handled by a consumer, by outcome.",
    ["consumer", "topic", "outcome"],
)  # fmt: skip


class EventConsumer:
    def __init__(
        self,
        name: str,
        topics: Sequence[str],
        handler: Handler,
        kafka: KafkaSettings,
        *,
        batched_topics: Collection[str] = (),
        reacts_to: Collection[str] | None = None,
    ) -> None:
        """`reacts_to`: the event types the handler acts on (None: every one is parsed)."""
        self.name = name
        self._topics = list(topics)
        self._handler = handler
        self._batched = frozenset(batched_topics)
        self._reacts_to = None if reacts_to is None else {t.encode() for t in reacts_to}
        self._kafka = kafka
        self._many: BatchHandler | None = None
        if self._batched:
            if not isinstance(handler, BatchHandler):
                raise TypeError(f"{name} batches {sorted(self._batched)}: its handler has no many")
            self._many = handler

    async def run(self) -> None:
        """Consume forever; reconnect with backoff after any failure."""
        backoff = 0.5
        while True:
            try:
                await self._consume()
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.warning("consumer_error", consumer=self.name, error=repr(exc))
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 10.0)

    async def _consume(self) -> None:
        consumer: AIOKafkaConsumer = create_consumer(self._kafka, self.name, *self._topics)
        producer: AIOKafkaProducer = create_producer(self._kafka, f"{self.name}-dlq")
        try:
            # Started inside the try: a cancellation during start-up (the group join takes
            # a while) must still stop what was started, or its background tasks linger.
            await consumer.start()
            await producer.start()
            uncommitted, committed_at = False, time.monotonic()
            while True:
                batches = await consumer.getmany(timeout_ms=500, max_records=500)
                for partition, fetched in batches.items():
                    records = [r for r in fetched if self.reacts(r)]
                    if self._many and len(records) > 1 and partition.topic in self._batched:
                        await self._handle_many(self._many, records, producer)
                        continue
                    for record in records:
                        await self._traced_handle(record, producer)
                uncommitted |= bool(batches)
                now = time.monotonic()
                if uncommitted and (not batches or now - committed_at >= COMMIT_INTERVAL_SECONDS):
                    await consumer.commit()
                    uncommitted, committed_at = False, now
                await self._record_lag(consumer)
        finally:
            await consumer.stop()
            await producer.stop()

    def reacts(self, record: ConsumerRecord) -> bool:
        """False for an event whose header names a type the handler does not react to."""
        if self._reacts_to is None:
            return True
        named = [value for name, value in record.headers if name == EVENT_TYPE_HEADER]
        if named and named[0] not in self._reacts_to:
            CONSUMED.labels(self.name, record.topic, "passed-over").inc()
            return False
        return True

    async def _record_lag(self, consumer: AIOKafkaConsumer) -> None:
        for partition in consumer.assignment():
            end = consumer.highwater(partition)  # known once a fetch has returned
            if end is not None:
                record_lag(self.name, partition, end - await consumer.position(partition))

    async def _traced_handle(self, record: ConsumerRecord, producer: AIOKafkaProducer) -> None:
        """Handle one record in a span that continues the trace its headers carry."""
        with tracer().start_as_current_span(
            f"{record.topic} process",
            context=context_from_kafka(record.headers),
            kind=SpanKind.CONSUMER,
            attributes={"messaging.system": "kafka", "messaging.consumer.group.name": self.name},
        ):
            await self._handle(record.topic, record.value, record.key, producer)

    async def _handle_many(
        self, handler: BatchHandler, records: list[ConsumerRecord], producer: AIOKafkaProducer
    ) -> None:
        """A partition's records in one call, in a span linked to each record's trace. If
        the batch fails other than transiently, its records go one by one, so that only the
        one that cannot be applied is dead-lettered (the inbox skips what took effect)."""
        parsed: list[tuple[ConsumerRecord, EventEnvelope]] = []
        for record in records:
            try:
                parsed.append((record, EventEnvelope.from_json(record.value)))
            except ValueError as exc:
                await self._dead_letter(producer, record.topic, record.value, record.key, exc)
        if not parsed:
            return
        topic = records[0].topic
        senders = (get_current_span(context_from_kafka(r.headers)) for r, _ in parsed)
        links = [Link(s.get_span_context()) for s in senders if s.get_span_context().is_valid]
        with tracer().start_as_current_span(
            f"{topic} process",
            kind=SpanKind.CONSUMER,
            links=links,
            attributes={
                "messaging.system": "kafka", "messaging.consumer.group.name": self.name,
                "messaging.batch.message_count": len(parsed),
            },
        ):  # fmt: skip
            try:
                async for attempt in while_transient(self._store_down):
                    with attempt:
                        await handler.many([event for _, event in parsed])
            except Exception as exc:
                log.warning("consumer_batch_failed", consumer=self.name, error=repr(exc))
            else:
                CONSUMED.labels(self.name, topic, "applied").inc(len(parsed))
                return
        for record, _ in parsed:
            await self._traced_handle(record, producer)

    async def _handle(
        self, topic: str, raw: bytes, key: bytes | None, producer: AIOKafkaProducer
    ) -> None:
        try:
            event = EventEnvelope.from_json(raw)
        except ValueError as exc:
            await self._dead_letter(producer, topic, raw, key, exc)
            return
        try:
            async for attempt in while_transient(self._store_down):
                with attempt:
                    await self._handler(event)
        except Exception as exc:
            await self._dead_letter(producer, topic, raw, key, exc)
            return
        CONSUMED.labels(self.name, topic, "applied").inc()

    def _store_down(self, retry: RetryCallState) -> None:
        error = retry.outcome.exception() if retry.outcome is not None else None
        log.warning("consumer_store_down", consumer=self.name, error=repr(error))

    async def _dead_letter(
        self,
        producer: AIOKafkaProducer,
        topic: str,
        raw: bytes,
        key: bytes | None,
        exc: Exception,
    ) -> None:
        error = failure_text(exc)
        log.warning("dead_letter", consumer=self.name, topic=topic, error=error)
        headers = list(dead_letter_headers(error, self.name).items())
        await producer.send_and_wait(dlq_of(topic), raw, key=key, headers=headers)
        CONSUMED.labels(self.name, topic, "dead-lettered").inc()
