"""The projector on real Postgres, Redis and Kafka: idempotent, and poison goes to the DLQ."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any, TypeAlias

import asyncpg
from aiokafka import AIOKafkaConsumer, ConsumerRecord, TopicPartition
from redis.asyncio import Redis

from projector.projector import Projector, triage
from projector.stores.postgres import Delta, PostgresReadStore
from projector.stores.redis import RedisReadStore
from projector.stores.usage_rollups import Totals
from tessera_common.events import accounts as contracts
from tessera_common.events.envelope import EventEnvelope, new_event
from tessera_common.events.topics import ACCOUNTS_EVENTS, dlq_of
from tessera_common.kafka.clients import create_producer
from tessera_common.read_documents import (
    api_key_digest_key,
    live_usage_key,
    recent_hours,
    tenant_profile_key,
)
from tessera_common.settings import KafkaSettings
from tessera_common.vocabulary import Currency, Plan, Region, TenantStatus, UserRole, UserStatus
from tessera_stack.endpoints import Endpoints

Converge = Callable[..., Awaitable[Any]]


def tenant_events(tenant: uuid.UUID) -> list[EventEnvelope]:
    now = datetime.now(UTC)
    user, key = uuid.uuid4(), uuid.uuid4()
    correlation = uuid.uuid4()
    return [
        new_event(
            contracts.TenantCreated(
                tenant_id=tenant,
                name="Idem",
                region=Region.US_EAST,
                plan=Plan.PRO,
                currency=Currency.USD,
                status=TenantStatus.ACTIVE,
                shard="shard-0",
                created_at=now,
            ),
            aggregate_type="tenant",
            aggregate_id=tenant,
            tenant_id=tenant,
            correlation_id=correlation,
            aggregate_version=1,
        ),
        new_event(
            contracts.UserAdded(
                user_id=user,
                tenant_id=tenant,
                email=f"{user.hex}@idem.io",
                name="U",
                role=UserRole.MEMBER,
                status=UserStatus.ACTIVE,
                created_at=now,
            ),
            aggregate_type="user",
            aggregate_id=user,
            tenant_id=tenant,
            correlation_id=correlation,
            aggregate_version=1,
        ),
        new_event(
            contracts.ApiKeyIssued(
                key_id=key,
                tenant_id=tenant,
                key_digest=uuid.uuid4().hex * 2,
                prefix="tsk_x",
                issued_at=now,
            ),
            aggregate_type="api_key",
            aggregate_id=key,
            tenant_id=tenant,
            correlation_id=correlation,
            aggregate_version=1,
        ),
    ]


async def snapshot(pool: asyncpg.Pool, redis: Redis, events: list[EventEnvelope]) -> dict[str, Any]:
    tenant = events[0].tenant_id
    digest = events[2].payload["key_digest"]
    return {
        "tenant": [dict(r) for r in await pool.fetch("SELECT * FROM tenants WHERE id=$1", tenant)],
        "users": [
            dict(r)
            for r in await pool.fetch("SELECT * FROM users WHERE tenant_id=$1 ORDER BY id", tenant)
        ],
        "keys": [
            dict(r)
            for r in await pool.fetch(
                "SELECT * FROM api_keys WHERE tenant_id=$1 ORDER BY id", tenant
            )
        ],
        "profile": await redis.get(tenant_profile_key(tenant)),
        "key": await redis.get(api_key_digest_key(digest)),
    }


async def test_applying_the_same_events_twice_changes_nothing(
    endpoints: Endpoints, read_db: asyncpg.Pool, redis: Redis
) -> None:
    events = tenant_events(uuid.uuid4())
    projected, rejected = triage(ACCOUNTS_EVENTS, [e.to_json() for e in events])
    assert rejected == []
    store = PostgresReadStore(read_db)
    projector = Projector(store, RedisReadStore(redis))

    await projector.apply(ACCOUNTS_EVENTS, projected)
    first = await snapshot(read_db, redis, events)
    await projector.apply(ACCOUNTS_EVENTS, projected)
    await projector.apply(ACCOUNTS_EVENTS, projected[::-1])
    second = await snapshot(read_db, redis, events)

    assert first["tenant"][0]["user_count"] == 1
    assert first["profile"] is not None
    assert first["key"] is not None
    assert second == first


DLQ = TopicPartition(dlq_of(ACCOUNTS_EVENTS), 0)


async def dlq_end(kafka: KafkaSettings) -> int:
    consumer = AIOKafkaConsumer(bootstrap_servers=kafka.bootstrap_servers)
    await consumer.start()
    try:
        return int((await consumer.end_offsets([DLQ]))[DLQ])
    finally:
        await consumer.stop()


Record: TypeAlias = ConsumerRecord[bytes, bytes]


async def dead_letters_since(kafka: KafkaSettings, offset: int) -> list[Record]:
    """Every dead letter of accounts.events from `offset` on."""
    consumer = AIOKafkaConsumer(bootstrap_servers=kafka.bootstrap_servers)
    await consumer.start()
    try:
        consumer.assign([DLQ])
        consumer.seek(DLQ, offset)
        batch = await consumer.getmany(DLQ, timeout_ms=2000)
        return list(batch.get(DLQ, []))
    finally:
        await consumer.stop()


async def test_the_worker_dedupes_redelivery_and_dead_letters_poison(
    endpoints: Endpoints, read_db: asyncpg.Pool, converge: Converge
) -> None:
    kafka = KafkaSettings(bootstrap_servers=endpoints.kafka_bootstrap)
    tenant = uuid.uuid4()
    events = tenant_events(tenant)
    dlq_before = await dlq_end(kafka)
    producer = create_producer(kafka, "test-projector")
    await producer.start()
    try:
        key = str(tenant).encode()
        poison = b'{"event_type": "TenantCreated", "payload": "not an envelope"}'
        await producer.send_and_wait(ACCOUNTS_EVENTS, poison, key=key)
        for envelope in [*events, *events]:  # every event delivered twice
            await producer.send_and_wait(ACCOUNTS_EVENTS, envelope.to_json(), key=key)
    finally:
        await producer.stop()

    async def projected_once() -> list[asyncpg.Record] | None:
        rows = await read_db.fetch("SELECT user_count, version FROM tenants WHERE id=$1", tenant)
        return rows if rows and rows[0]["user_count"] == 1 else None

    (row,) = await converge(projected_once)
    assert row["version"] == 1
    users = await read_db.fetchval("SELECT count(*) FROM users WHERE tenant_id=$1", tenant)
    assert users == 1

    async def dead_lettered_by_projector() -> Record | None:
        for record in await dead_letters_since(kafka, dlq_before):
            headers = dict(record.headers)
            if headers.get("consumer") == b"tessera-projector" and record.value == poison:
                return record
        return None

    dead = await converge(dead_lettered_by_projector)
    assert dict(dead.headers)["error"].startswith(b"ValidationError")


async def test_live_counters_never_outlive_an_erasure(redis: Redis) -> None:
    store = RedisReadStore(redis)
    tenant = uuid.uuid4()
    hours = recent_hours()
    live = {tenant: {hours[0]: {"api_calls": 7, "seats": 2}, hours[1]: {"api_calls": 3}}}
    await store.write(Delta(usage=Totals(recent_hours=live)))
    assert await redis.hgetall(live_usage_key(tenant, hours[0])) == {
        b"api_calls": b"7",
        b"seats": b"2",
    }
    assert await redis.hgetall(live_usage_key(tenant, hours[1])) == {b"api_calls": b"3"}
    now = datetime.now(UTC)
    erased = {
        "id": tenant, "name": "", "region": "", "plan": "", "currency": "", "status": "erased",
        "version": 9, "user_count": 0, "created_at": now, "updated_at": now,
    }  # fmt: skip
    await store.write(Delta(profiles=[erased]))
    assert not await redis.exists(*(live_usage_key(tenant, hour) for hour in hours))
    # A usage event handled after the erasure (another topic, another agent) writes nothing.
    await store.write(Delta(usage=Totals(recent_hours={tenant: {hours[0]: {"api_calls": 8}}})))
    assert not await redis.exists(live_usage_key(tenant, hours[0]))
    assert [key async for key in redis.scan_iter(match=f"*{tenant}*")] == []
