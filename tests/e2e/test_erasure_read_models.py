"""TenantErased purges the tenant from every read model and cache, late events included."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import asyncpg
from redis.asyncio import Redis
from support import Api, Billing, bearer, usage_record

from projector.read_models import READ_MODELS
from projector.settings import WorkerSettings
from tessera_common.api_keys import digest_of
from tessera_common.events.topics import EVENT_TOPICS
from tessera_common.kafka.lag import GroupLag
from tessera_common.read_documents import api_key_digest_key
from tessera_common.settings import KafkaSettings
from tessera_stack.endpoints import Endpoints

Converge = Callable[..., Awaitable[Any]]
LAST_MONTH = "2026-10"  # closed (the suite runs after it)


async def tenant_with_everything(
    api: Api, billing_db: Billing, converge: Converge
) -> dict[str, Any]:
    """A tenant with a user, usage, a subscription and an invoice, all projected."""
    tenant = await api.tenant(name="Everywhere", currency="EUR")
    tenant_id, key = tenant["tenant_id"], bearer(tenant["api_key"])
    assert (await api.read(f"/v1/tenants/{tenant_id}", tenant["token"])).status_code == 200
    user = {"email": f"{uuid.uuid4().hex[:10]}@erase.io", "name": "Gone"}
    added = await api.gateway.post(f"/v1/tenants/{tenant_id}/users", json=user, headers=key)
    assert added.status_code == 201, added.text
    records = [usage_record(4)]
    used = await api.gateway.post("/v1/usage", json={"records": records}, headers=key)
    assert used.status_code == 202, used.text

    async def subscribed() -> bool | None:
        sql = "SELECT 1 FROM subscriptions WHERE tenant_id = $1::uuid"
        return True if any((await billing_db.rows(sql, tenant_id)).values()) else None

    await converge(subscribed, within=30)
    invoices = f"/v1/tenants/{tenant_id}/invoices"
    issued = await api.gateway.post(invoices, json={"period": LAST_MONTH}, headers=api.operator)
    assert issued.status_code == 201, issued.text
    for path, token in (
        (invoices, issued.headers["x-consistency-token"]),
        (f"/v1/tenants/{tenant_id}/usage", used.headers["x-consistency-token"]),
        (f"/v1/tenants/{tenant_id}/users", added.headers["x-consistency-token"]),
    ):
        read = await api.read(path, token)
        assert read.status_code == 200, path
        assert read.json()["items"], path
    return tenant


async def test_erasure_purges_every_read_model_and_cache(
    api: Api, billing_db: Billing, *, endpoints: Endpoints, read_db: asyncpg.Pool, redis: Redis,
    converge: Converge,
) -> None:  # fmt: skip
    tenant = await tenant_with_everything(api, billing_db, converge)
    tenant_id = tenant["tenant_id"]
    erased = await api.gateway.delete(f"/v1/tenants/{tenant_id}", headers=api.operator)
    assert erased.status_code == 204
    gone = await api.read(f"/v1/tenants/{tenant_id}", erased.headers["x-consistency-token"])
    assert gone.status_code == 404

    # Billing cancels the subscription in reaction, after the erasure: that late event
    # must not bring the tenant back. Wait until it is published and projected.
    async def cancellation_published() -> bool | None:
        sql = (
            "SELECT 1 FROM outbox WHERE message_key = $1 AND event_type = 'SubscriptionCancelled'"
            " AND sent_at IS NOT NULL"
        )
        return True if any((await billing_db.rows(sql, tenant_id)).values()) else None

    await converge(cancellation_published, within=30)
    kafka = KafkaSettings(bootstrap_servers=endpoints.kafka_bootstrap)
    lag = GroupLag(kafka, WorkerSettings().group_id, EVENT_TOPICS)

    async def projected() -> bool | None:
        return True if sum((await lag.measure()).values()) == 0 else None

    try:
        await converge(projected, within=30)
    finally:
        await lag.close()

    rows = {
        table: await read_db.fetchval(
            f"SELECT count(*) FROM {table} WHERE tenant_id = $1", uuid.UUID(tenant_id)
        )
        for model in READ_MODELS.values() for table in model.tables if table != "tenants"
    }  # fmt: skip
    assert rows == dict.fromkeys(rows, 0)
    sql = "SELECT name, status FROM tenants WHERE id = $1"
    tombstone = await read_db.fetchrow(sql, uuid.UUID(tenant_id))
    assert (tombstone["name"], tombstone["status"]) == ("", "erased")
    # The read models in Redis: profile, usage counters, live counters, the key's digest.
    # (The gateway's rate-limit state names the tenant too; it is not a read model and
    # expires within seconds.)
    read_models = ("tessera:tenant:", "tessera:usage:", "tessera:usage-live:")
    left = [
        key async for key in redis.scan_iter(match=f"*{tenant_id}*")
        if key.decode().startswith(read_models)
    ]  # fmt: skip
    assert left == []
    assert not await redis.exists(api_key_digest_key(digest_of(tenant["api_key"])))
