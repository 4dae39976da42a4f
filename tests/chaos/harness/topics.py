"""The workload's events as the topics hold them, read from where the round began."""

from __future__ import annotations

import time

import orjson
from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.errors import KafkaError

from harness.views import Event

TOPICS = ("accounts.events", "usage.events")
PROJECTOR_GROUP = "tessera-projector"
READ_DEADLINE = 60.0


class TopicReader:
    """Reads a tenant's events from offsets taken at the start of a round to the end."""

    def __init__(self, bootstrap: str) -> None:
        self._bootstrap = bootstrap
        self._start: dict[TopicPartition, int] = {}

    async def mark_start(self) -> None:
        """Remember the end of every partition: the round's events come after it."""
        consumer = await self._consumer()
        try:
            self._start = await consumer.end_offsets(await self._partitions(consumer))
        finally:
            await consumer.stop()

    async def events(self, tenant_ids: set[str]) -> dict[str, list[Event]]:
        """Every event of these tenants since the start, in each partition's order."""
        found: dict[str, list[Event]] = {t: [] for t in tenant_ids}
        consumer = await self._consumer()
        try:
            partitions = await self._partitions(consumer)
            ends = await consumer.end_offsets(partitions)
            consumer.assign(partitions)
            for tp in partitions:
                consumer.seek(tp, self._start.get(tp, 0))
            remaining = {tp for tp in partitions if ends[tp] > self._start.get(tp, 0)}
            deadline = time.monotonic() + READ_DEADLINE
            while remaining:
                if time.monotonic() > deadline:
                    raise KafkaError(f"the topics could not be read to their end: {remaining}")
                batches = await consumer.getmany(*remaining, timeout_ms=1000, max_records=5000)
                for tp, messages in batches.items():
                    for message in messages:
                        _collect(found, tenant_ids, message.offset, message.value)
                        if message.offset + 1 >= ends[tp]:
                            remaining.discard(tp)
        finally:
            await consumer.stop()
        return found

    async def _consumer(self) -> AIOKafkaConsumer:
        consumer = AIOKafkaConsumer(
            bootstrap_servers=self._bootstrap, enable_auto_commit=False,
            auto_offset_reset="earliest", request_timeout_ms=10_000,
        )  # fmt: skip
        await consumer.start()
        return consumer

    async def _partitions(self, consumer: AIOKafkaConsumer) -> list[TopicPartition]:
        """Every partition of the topics, as the cluster describes them (a consumer that
        subscribed to nothing knows none)."""
        admin = AIOKafkaAdminClient(bootstrap_servers=self._bootstrap)
        await admin.start()
        try:
            described = await admin.describe_topics(list(TOPICS))
        finally:
            await admin.close()
        return sorted(
            TopicPartition(topic["topic"], p["partition"])
            for topic in described
            for p in topic["partitions"]
        )


def _collect(found: dict[str, list[Event]], tenants: set[str], offset: int, raw: bytes) -> None:
    envelope = orjson.loads(raw)
    tenant_id = envelope.get("tenant_id")
    if tenant_id not in tenants:
        return
    found[tenant_id].append(
        Event(
            offset, envelope["event_id"], envelope["event_type"], envelope["aggregate_id"],
            int(envelope["aggregate_version"]), envelope["payload"],
        )
    )  # fmt: skip
