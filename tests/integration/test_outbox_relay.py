"""The outbox relay on real Postgres and Kafka: committed events only, in order, once."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from functools import partial

import asyncpg
import pytest
from aiokafka import AIOKafkaConsumer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from sqlalchemy import text

from tessera_common.db.engines import ShardEngines, create_engine
from tessera_common.db.migrations import ensure_database
from tessera_common.db.transaction import ShardTransaction
from tessera_common.db.urls import asyncpg_dsn, with_database
from tessera_common.events import accounts as contracts
from tessera_common.events.envelope import EventEnvelope, new_event
from tessera_common.kafka.clients import create_producer
from tessera_common.outbox.relay import OutboxRelay
from tessera_common.outbox.table import NOTIFY_FUNCTION_DDL, NOTIFY_TRIGGER_DDL, metadata
from tessera_common.outbox.writer import write_outbox
from tessera_common.settings import KafkaSettings, OutboxSettings
from tessera_common.vocabulary import Currency, Plan, Region, TenantStatus
from tessera_stack.endpoints import Endpoints

SHARD = "shard-test"


class Scratch:
    """A throwaway shard database with an outbox, and a throwaway topic."""

    def __init__(self, endpoints: Endpoints) -> None:
        server = next(iter(endpoints.shard_servers.values()))
        self.suffix = uuid.uuid4().hex[:10]
        self.url = with_database(server, f"outbox_test_{self.suffix}")
        self.topic = f"test.outbox.{self.suffix}"
        self.kafka = KafkaSettings(bootstrap_servers=endpoints.kafka_bootstrap)
        self.engines: ShardEngines

    async def __aenter__(self) -> Scratch:
        await ensure_database(self.url)
        engine = create_engine(self.url, pool_size=2)
        async with engine.begin() as conn:
            await conn.run_sync(metadata.create_all)
            await conn.execute(text(NOTIFY_FUNCTION_DDL))
            await conn.execute(text(NOTIFY_TRIGGER_DDL))
        self.engines = ShardEngines({SHARD: engine})
        admin = AIOKafkaAdminClient(bootstrap_servers=self.kafka.bootstrap_servers)
        await admin.start()
        try:
            await admin.create_topics([NewTopic(self.topic, 1, 1)])
        finally:
            await admin.close()
        return self

    async def __aexit__(self, *_: object) -> None:
        await self.engines.dispose()
        admin = AIOKafkaAdminClient(bootstrap_servers=self.kafka.bootstrap_servers)
        await admin.start()
        try:
            await admin.delete_topics([self.topic])
        finally:
            await admin.close()
        server = asyncpg_dsn(with_database(self.url, "postgres"))
        conn = await asyncpg.connect(server)
        try:
            await conn.execute(f'DROP DATABASE "outbox_test_{self.suffix}" WITH (FORCE)')
        finally:
            await conn.close()

    def relay(self, retention_seconds: int = 86_400) -> OutboxRelay:
        return OutboxRelay(
            service="test",
            shard=SHARD,
            dsn=asyncpg_dsn(self.url),
            producer_factory=partial(create_producer, self.kafka, f"test-{self.suffix}"),
            settings=OutboxSettings(poll_interval_seconds=0.5, retention_seconds=retention_seconds),
        )


@pytest.fixture
async def scratch(endpoints: Endpoints) -> AsyncIterator[Scratch]:
    async with Scratch(endpoints) as made:
        yield made


def event(tenant: uuid.UUID, version: int) -> EventEnvelope:
    payload = contracts.TenantCreated(
        tenant_id=tenant,
        name=f"v{version}",
        region=Region.APAC,
        plan=Plan.FREE,
        currency=Currency.USD,
        status=TenantStatus.ACTIVE,
        shard=SHARD,
        created_at=datetime.now(UTC),
    )
    return new_event(
        payload,
        tenant_id=tenant,
        aggregate_type="tenant",
        aggregate_id=tenant,
        aggregate_version=version,
        correlation_id=uuid.uuid4(),
    )


async def consume(scratch: Scratch, count: int, settle: float = 1.5) -> list[EventEnvelope]:
    """Read the topic until `count` messages arrived and nothing more comes for `settle` s."""
    consumer = AIOKafkaConsumer(
        scratch.topic,
        bootstrap_servers=scratch.kafka.bootstrap_servers,
        auto_offset_reset="earliest",
        enable_auto_commit=False,
    )
    await consumer.start()
    received: list[EventEnvelope] = []
    try:
        deadline = asyncio.get_running_loop().time() + 30
        while asyncio.get_running_loop().time() < deadline:
            batch = await consumer.getmany(timeout_ms=int(settle * 1000))
            messages = [m for part in batch.values() for m in part]
            received += [EventEnvelope.from_json(m.value) for m in messages]
            if not messages and len(received) >= count:
                break
    finally:
        await consumer.stop()
    return received


async def test_two_relays_publish_committed_events_once_in_commit_order(scratch: Scratch) -> None:
    tenants = [uuid.uuid4() for _ in range(3)]
    committed: list[EventEnvelope] = []
    tasks = [asyncio.create_task(scratch.relay().run()) for _ in range(2)]
    try:
        for version in range(1, 6):
            batch = [event(tenant, version) for tenant in tenants]
            async with ShardTransaction(scratch.engines, SHARD) as conn:
                await write_outbox(conn, scratch.topic, batch)
                await conn.commit()
            committed += batch
            async with ShardTransaction(scratch.engines, SHARD) as conn:
                await write_outbox(
                    conn, scratch.topic, [event(uuid.uuid4(), 99)]
                )  # rolled back: never published
        received = await consume(scratch, len(committed))
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
    assert [e.event_id for e in received] == [e.event_id for e in committed]
    async with scratch.engines[SHARD].connect() as conn:
        unsent = await conn.scalar(text("SELECT count(*) FROM outbox WHERE sent_at IS NULL"))
    assert unsent == 0


async def test_rows_written_while_no_relay_runs_are_published_when_one_starts(
    scratch: Scratch,
) -> None:
    tenant = uuid.uuid4()
    backlog = [event(tenant, version) for version in range(1, 51)]
    async with ShardTransaction(scratch.engines, SHARD) as conn:
        await write_outbox(conn, scratch.topic, backlog)
        await conn.commit()
    task = asyncio.create_task(scratch.relay().run())
    try:
        received = await consume(scratch, len(backlog))
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
    assert [e.aggregate_version for e in received] == list(range(1, 51))


async def test_sent_rows_are_pruned_after_the_retention_period(scratch: Scratch) -> None:
    tenant = uuid.uuid4()
    async with ShardTransaction(scratch.engines, SHARD) as conn:
        await write_outbox(conn, scratch.topic, [event(tenant, version) for version in range(1, 7)])
        await conn.commit()
    async with scratch.engines[SHARD].begin() as conn:
        # Rows 1-2 were sent two hours ago, 3-4 a minute ago; 5-6 are still unsent.
        await conn.execute(text(
            "UPDATE outbox SET sent_at = now() - interval '2 hours' "
            "WHERE aggregate_version <= 2"
        ))  # fmt: skip
        await conn.execute(text(
            "UPDATE outbox SET sent_at = now() - interval '1 minute' "
            "WHERE aggregate_version IN (3, 4)"
        ))  # fmt: skip
    task = asyncio.create_task(scratch.relay(retention_seconds=3600).run())
    try:
        received = await consume(scratch, 2)
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
    assert [e.aggregate_version for e in received] == [5, 6]
    async with scratch.engines[SHARD].connect() as conn:
        left = await conn.execute(text("SELECT aggregate_version FROM outbox ORDER BY 1"))
        assert [row[0] for row in left] == [3, 4, 5, 6]
