"""Usage rollups: hourly and daily totals per meter, exact under redelivery, gone on erase."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
import pytest
from aiokafka import AIOKafkaConsumer
from redis.asyncio import Redis
from support import PROBLEM_JSON, Api, bearer, usage_record

from tessera_common.events.envelope import EventEnvelope
from tessera_common.events.topics import USAGE_EVENTS
from tessera_common.kafka.clients import create_producer
from tessera_common.read_documents import live_usage_key, usage_totals_key
from tessera_common.settings import KafkaSettings
from tessera_common.timestamps import rfc3339
from tessera_stack.endpoints import Endpoints

Converge = Callable[..., Awaitable[Any]]
NOW = datetime.now(UTC)
THIS_HOUR = NOW.replace(minute=0, second=0, microsecond=0)


async def ingest(api: Api, tenant: dict[str, Any], records: list[dict[str, Any]]) -> str:
    """Records of a tenant the read models already hold; returns the batch's token.

    A usage token names the batch only: a usage read checks the tenant too, so the
    tenant's own creation must be visible first.
    """
    profile = await api.read(f"/v1/tenants/{tenant['tenant_id']}", tenant["token"])
    assert profile.status_code == 200, profile.text
    response = await api.gateway.post(
        "/v1/usage", json={"records": records}, headers=bearer(tenant["api_key"])
    )
    assert response.status_code == 202, response.text
    token: str = response.headers["x-consistency-token"]
    return token


def usage_path(tenant: dict[str, Any], query: str = "") -> str:
    return f"/v1/tenants/{tenant['tenant_id']}/usage{query}"


async def test_usage_rolls_up_by_hour_and_day_per_meter(api: Api) -> None:
    tenant = await api.tenant(name="Rollup")
    earlier = THIS_HOUR - timedelta(hours=2)
    last_week = THIS_HOUR - timedelta(days=6)
    token = await ingest(
        api, tenant,
        [usage_record(5, THIS_HOUR), usage_record(7, NOW), usage_record(11, earlier),
         usage_record(13, last_week), usage_record(3, THIS_HOUR, meter="storage_gb_hours")],
    )  # fmt: skip
    hourly = await api.read(usage_path(tenant), token)  # the operator: not metered
    assert hourly.status_code == 200, hourly.text
    body = hourly.json()
    assert body["granularity"] == "hour"
    assert {(i["meter"], i["start"], i["quantity"]) for i in body["items"]} == {
        ("api_calls", rfc3339(earlier), 11),
        ("api_calls", rfc3339(THIS_HOUR), 12),
        ("storage_gb_hours", rfc3339(THIS_HOUR), 3),
    }  # last week is outside the default 24 hours
    daily = await api.read(usage_path(tenant, "?granularity=day&meter=api_calls"), token)
    days: dict[str, int] = {}
    for stamp, quantity in ((THIS_HOUR, 12), (earlier, 11), (last_week, 13)):
        day = rfc3339(stamp.replace(hour=0))
        days[day] = days.get(day, 0) + quantity
    assert {i["start"]: i["quantity"] for i in daily.json()["items"]} == days
    assert daily.json()["totals"] == {"api_calls": 36}


async def test_a_redelivered_batch_counts_once(
    api: Api, endpoints: Endpoints, read_db: asyncpg.Pool, redis: Redis, converge: Converge
) -> None:
    tenant = await api.tenant(name="Redelivered")
    token = await ingest(api, tenant, [usage_record(40, THIS_HOUR), usage_record(2, THIS_HOUR)])
    first = await api.read(usage_path(tenant), token)
    assert first.json()["totals"] == {"api_calls": 42}
    kafka = KafkaSettings(bootstrap_servers=endpoints.kafka_bootstrap)
    raw = await published_batch(kafka, tenant["tenant_id"])
    # At-least-once delivery: the same event arrives twice, then a marker batch after it.
    producer = create_producer(kafka, "test-redelivery")
    await producer.start()
    try:
        await producer.send_and_wait(USAGE_EVENTS, raw, key=tenant["tenant_id"].encode())
    finally:
        await producer.stop()
    marker = await ingest(api, tenant, [usage_record(1, THIS_HOUR)])
    after = await api.read(usage_path(tenant), marker)
    assert after.json()["totals"] == {"api_calls": 43}
    month = f"{THIS_HOUR:%Y-%m}/api_calls"
    counters = await converge(lambda: _counter(redis, usage_totals_key(tenant["tenant_id"]), month))
    assert counters == b"43"
    live = await converge(
        lambda: _counter(redis, live_usage_key(tenant["tenant_id"], THIS_HOUR), "api_calls", b"43")
    )
    assert live == b"43"


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("?from=2026-01-01T00:00:00", "from"),
        ("?granularity=minute", "granularity"),
        ("?meter=cpu_seconds", "meter"),
        ("?from=2026-02-01T00:00:00Z&to=2026-01-01T00:00:00Z", "from"),
        ("?from=2025-01-01T00:00:00Z&to=2025-03-01T00:00:00Z", "to"),
    ],
)
async def test_a_bad_usage_query_is_a_problem_naming_the_field(
    api: Api, query: str, field: str
) -> None:
    tenant = await api.tenant(name="Asker")
    response = await api.read(usage_path(tenant, query), tenant["token"], tenant["api_key"])
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == PROBLEM_JSON
    assert field in [error["field"] for error in response.json()["errors"]]


async def test_another_tenants_usage_is_not_found(api: Api) -> None:
    owner, other = await api.tenant(name="Owner"), await api.tenant(name="Other")
    response = await api.read(usage_path(owner), other["token"], other["api_key"])
    assert response.status_code == 404


async def published_batch(kafka: KafkaSettings, tenant_id: str) -> bytes:
    """The raw UsageRecorded event of the tenant, as the outbox relay published it."""
    consumer = AIOKafkaConsumer(
        USAGE_EVENTS, bootstrap_servers=kafka.bootstrap_servers, auto_offset_reset="earliest",
        enable_auto_commit=False,
    )  # fmt: skip
    await consumer.start()
    try:
        async for message in consumer:
            value: bytes | None = message.value
            if message.key == tenant_id.encode() and value is not None:
                assert EventEnvelope.from_json(value).event_type == "UsageRecorded"
                return value
    finally:
        await consumer.stop()
    raise AssertionError("unreachable")


async def _counter(redis: Redis, key: str, field: str, expected: bytes | None = None) -> Any:
    value = await redis.hget(key, field)
    return value if value is not None and (expected is None or value == expected) else None
