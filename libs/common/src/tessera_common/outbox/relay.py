"""The outbox relay: publishes committed outbox rows to Kafka, in commit order.

One relay runs per shard in each command-service process; a Postgres advisory
lock makes exactly one of them the leader of a shard (the others stand by, each on
one held connection, and take over when its session ends), which keeps every
aggregate's events in order.
It wakes on LISTEN/NOTIFY and polls only as a fallback. Kafka being down stalls
the relay, never a command: rows wait in the outbox and drain on reconnection.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable, Mapping
from functools import partial
from typing import Any

import asyncpg
import orjson
import structlog
from aiokafka import AIOKafkaProducer
from opentelemetry import trace
from opentelemetry.trace import SpanKind, StatusCode
from prometheus_client import Counter, Gauge, Histogram

from tessera_common.db.urls import asyncpg_dsn, with_database
from tessera_common.events.envelope import EVENT_TYPE_HEADER
from tessera_common.kafka.clients import create_producer
from tessera_common.observability.buckets import LATENCY_BUCKETS
from tessera_common.observability.propagation import context_from_text, trace_headers_of
from tessera_common.observability.tracing import tracer
from tessera_common.outbox.table import NOTIFY_CHANNEL
from tessera_common.settings import KafkaSettings, OutboxSettings

log = structlog.get_logger(__name__)

# Same key on every shard database: the lock is per database, hence per shard.
RELAY_LOCK_KEY = 0x7E55E7A0
STATS_INTERVAL_SECONDS = 5.0
PRUNE_INTERVAL_SECONDS = 60.0

OUTBOX_BACKLOG = Gauge("tessera_outbox_backlog", "Unsent outbox rows.", ["service", "shard"])
OUTBOX_OLDEST_AGE = Gauge(
    "tessera_outbox_oldest_unsent_age_seconds",
    "Age of the oldest unsent outbox row.",
    ["service", "shard"],
)
OUTBOX_PUBLISHED = Counter(
    "tessera_outbox_published_total", "Outbox rows published to Kafka.", ["service", "shard"]
)
OUTBOX_PUBLISH_SECONDS = Histogram(
    "tessera_outbox_publish_duration_seconds",
    "Time to publish one batch of outbox rows, acks=all included.",
    ["service", "shard"],
    buckets=LATENCY_BUCKETS,
)
KAFKA_PRODUCE_SECONDS = Histogram(
    "tessera_kafka_produce_duration_seconds",
    "Time from handing one message to the producer to its acknowledgement (acks=all).",
    ["topic"],
    buckets=LATENCY_BUCKETS,
)
OUTBOX_LEADER = Gauge(
    "tessera_outbox_relay_leader", "1 while this relay leads its shard.", ["service", "shard"]
)

_FETCH = """
SELECT id, topic, message_key, event_type, envelope, headers
FROM outbox WHERE sent_at IS NULL ORDER BY id LIMIT $1
"""
_MARK_SENT = "UPDATE outbox SET sent_at = now() WHERE id = ANY($1::bigint[])"
_STATS = (
    "SELECT count(*), extract(epoch FROM now() - min(created_at)) FROM outbox WHERE sent_at IS NULL"
)
_PRUNE = "DELETE FROM outbox WHERE sent_at < now() - make_interval(secs => $1)"


class OutboxRelay:
    def __init__(
        self,
        *,
        service: str,
        shard: str,
        dsn: str,
        producer_factory: Callable[[], AIOKafkaProducer],
        settings: OutboxSettings,
    ) -> None:
        self.service = service
        self.shard = shard
        self._dsn = dsn
        self._producer_factory = producer_factory
        self._settings = settings
        self._labels = (service, shard)
        self._last_stats = 0.0
        self._last_prune = 0.0

    async def run(self) -> None:
        """Stand by, lead, forever; every failure backs off and tries again."""
        backoff = 0.2
        while True:
            try:
                await self._stand_by_then_lead()
                backoff = 0.2
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.warning("outbox_relay_error", shard=self.shard, error=repr(exc))
                backoff = min(backoff * 2, self._settings.max_backoff_seconds)
            finally:
                OUTBOX_LEADER.labels(*self._labels).set(0)
            await asyncio.sleep(backoff)

    async def _stand_by_then_lead(self) -> None:
        """On one connection: ask for the lead until it is free, then lead. A standby keeps
        its connection (a new one per attempt costs the shard a backend process each time)."""
        conn: asyncpg.Connection = await asyncpg.connect(self._dsn, timeout=3)
        try:
            while True:  # the leader's session ending is not announced: ask again
                if await conn.fetchval("SELECT pg_try_advisory_lock($1)", RELAY_LOCK_KEY):
                    break
                await asyncio.sleep(self._settings.poll_interval_seconds * 2)
            OUTBOX_LEADER.labels(*self._labels).set(1)
            wake = asyncio.Event()
            await conn.add_listener(NOTIFY_CHANNEL, lambda *_: wake.set())
            producer = self._producer_factory()
            try:
                await producer.start()  # inside the try: a cancelled start is still stopped
                log.info("outbox_relay_leading", shard=self.shard)
                await self._drain_forever(conn, producer, wake)
            finally:
                await producer.stop()
        finally:
            await conn.close(timeout=2)

    async def _drain_forever(
        self, conn: asyncpg.Connection, producer: AIOKafkaProducer, wake: asyncio.Event
    ) -> None:
        while True:
            wake.clear()
            published = await self._publish_batch(conn, producer)
            await self._housekeeping(conn)
            if published < self._settings.batch_size:
                with contextlib.suppress(TimeoutError):  # polling is the fallback
                    await asyncio.wait_for(wake.wait(), self._settings.poll_interval_seconds)

    async def _publish_batch(self, conn: asyncpg.Connection, producer: AIOKafkaProducer) -> int:
        rows = await conn.fetch(_FETCH, self._settings.batch_size)
        if not rows:
            return 0
        started = time.perf_counter()
        deliveries = [await self._send(producer, row) for row in rows]
        await asyncio.gather(*deliveries)
        await conn.execute(_MARK_SENT, [row["id"] for row in rows])
        OUTBOX_PUBLISH_SECONDS.labels(*self._labels).observe(time.perf_counter() - started)
        OUTBOX_PUBLISHED.labels(*self._labels).inc(len(rows))
        return len(rows)

    async def _send(self, producer: AIOKafkaProducer, row: asyncpg.Record) -> asyncio.Future[Any]:
        """Hand one row to the producer, in a span continuing the command's trace."""
        headers: dict[str, Any] = orjson.loads(row["headers"]) if row["headers"] else {}
        topic: str = row["topic"]
        span = tracer().start_span(
            f"{topic} publish",
            context=context_from_text(headers),
            kind=SpanKind.PRODUCER,
            attributes={"messaging.system": "kafka", "messaging.destination.name": topic},
        )
        # The consumer's span becomes a child of this one.
        headers |= trace_headers_of(trace.set_span_in_context(span))
        headers[EVENT_TYPE_HEADER] = row["event_type"]
        sent = time.perf_counter()
        try:
            delivery: asyncio.Future[Any] = await producer.send(
                topic=topic,
                key=row["message_key"].encode(),
                value=row["envelope"].encode(),
                headers=[(name, str(value).encode()) for name, value in headers.items()],
            )
        except BaseException:
            span.set_status(StatusCode.ERROR)
            span.end()
            raise

        def delivered(future: asyncio.Future[Any]) -> None:
            KAFKA_PRODUCE_SECONDS.labels(topic).observe(time.perf_counter() - sent)
            if future.cancelled() or future.exception() is not None:
                span.set_status(StatusCode.ERROR)
            span.end()

        delivery.add_done_callback(delivered)
        return delivery

    async def _housekeeping(self, conn: asyncpg.Connection) -> None:
        now = time.monotonic()
        if now - self._last_stats >= STATS_INTERVAL_SECONDS:
            self._last_stats = now
            backlog, oldest = await conn.fetchrow(_STATS)
            OUTBOX_BACKLOG.labels(*self._labels).set(backlog)
            OUTBOX_OLDEST_AGE.labels(*self._labels).set(float(oldest or 0.0))
        if now - self._last_prune >= PRUNE_INTERVAL_SECONDS:
            self._last_prune = now
            await conn.execute(_PRUNE, float(self._settings.retention_seconds))


def relays_for(
    service: str,
    database: str,
    *,
    servers: Mapping[str, str],
    kafka: KafkaSettings,
    outbox: OutboxSettings,
    instance: str,
) -> list[OutboxRelay]:
    """One relay per shard server (shard -> server URL) of a service's database."""
    producer_factory = partial(create_producer, kafka, f"{service}-relay-{instance}")
    return [
        OutboxRelay(
            service=service,
            shard=shard,
            dsn=asyncpg_dsn(with_database(url, database)),
            producer_factory=producer_factory,
            settings=outbox,
        )
        for shard, url in servers.items()
    ]
