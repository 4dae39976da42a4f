"""Billing learns of tenants from events only, and keeps each on the shard its hash ring names."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from support import Accounts, Api, Billing, bearer, current_topology

from tessera_common.events.envelope import EventEnvelope
from tessera_common.events.topics import ACCOUNTS_EVENTS
from tessera_common.kafka.clients import create_producer
from tessera_common.settings import KafkaSettings
from tessera_stack.endpoints import Endpoints

Converge = Callable[..., Awaitable[Any]]
SUBSCRIPTION = (
    "SELECT plan, seats, currency, status, version FROM subscriptions WHERE tenant_id = $1::uuid"
)


async def subscription_rows(billing_db: Billing, tenant_id: str) -> dict[str, list[dict[str, Any]]]:
    """Per shard, the tenant's subscription rows; shards without one are left out."""
    found = await billing_db.rows(SUBSCRIPTION, tenant_id)
    return {shard: rows for shard, rows in found.items() if rows}


async def test_a_new_tenant_gets_a_free_subscription_on_its_ring_shard(
    api: Api, billing_db: Billing, converge: Converge, endpoints: Endpoints
) -> None:
    tenant = await api.tenant(name="Billed", region="apac", currency="GBP")
    ring = (await current_topology(endpoints)).ring

    async def started() -> dict[str, list[dict[str, Any]]] | None:
        return await subscription_rows(billing_db, tenant["tenant_id"]) or None

    rows = await converge(started, within=30)
    assert rows == {
        ring.shard_for(tenant["tenant_id"]): [
            {"plan": "free", "seats": 1, "currency": "GBP", "status": "active", "version": 1}
        ]
    }


async def test_a_plan_change_in_accounts_reaches_billing_and_erasure_cancels(
    api: Api, billing_db: Billing, converge: Converge
) -> None:
    tenant = await api.tenant(name="Upgrader", currency="EUR")
    path = f"/v1/tenants/{tenant['tenant_id']}"

    async def subscription(version: int) -> dict[str, Any] | None:
        rows = await subscription_rows(billing_db, tenant["tenant_id"])
        found = [row for shard_rows in rows.values() for row in shard_rows]
        return found[0] if found and found[0]["version"] == version else None

    await converge(lambda: subscription(1), within=30)
    changed = await api.gateway.patch(
        path, json={"plan": "pro"}, headers={**api.operator, "If-Match": '"1"'}
    )
    assert changed.status_code == 200
    assert (await converge(lambda: subscription(2), within=30))["plan"] == "pro"

    seats = await api.gateway.put(
        f"{path}/subscription", json={"plan": "enterprise", "seats": 12},
        headers=bearer(tenant["api_key"]),
    )  # fmt: skip
    assert seats.status_code == 200, seats.text
    assert (seats.json()["plan"], seats.json()["seats"], seats.json()["version"]) == (
        "enterprise", 12, 3,
    )  # fmt: skip
    assert seats.json()["monthly_fee"] > 0
    bad = await api.gateway.put(
        f"{path}/subscription", json={"plan": "pro", "seats": 0}, headers=api.operator
    )
    assert bad.status_code == 422
    assert [e["field"] for e in bad.json()["errors"]] == ["seats"]

    assert (await api.gateway.delete(path, headers=api.operator)).status_code == 204
    assert (await converge(lambda: subscription(4), within=30))["status"] == "cancelled"


async def test_a_redelivered_tenant_created_changes_nothing(
    api: Api, accounts_db: Accounts, billing_db: Billing, endpoints: Endpoints, converge: Converge
) -> None:
    tenant = await api.tenant(name="Redelivered")
    outbox = await accounts_db.rows(
        "SELECT envelope FROM outbox WHERE message_key = $1 AND event_type = 'TenantCreated'",
        tenant["tenant_id"],
    )
    (created,) = [row["envelope"] for rows in outbox.values() for row in rows]
    producer = create_producer(KafkaSettings(bootstrap_servers=endpoints.kafka_bootstrap), "test")
    await producer.start()
    try:
        for _ in range(2):  # the same event, delivered twice more
            await producer.send_and_wait(
                ACCOUNTS_EVENTS, created.encode(), key=tenant["tenant_id"].encode()
            )
    finally:
        await producer.stop()
    # A later event of the same tenant is a barrier: same partition, so handled after them.
    changed = await api.gateway.patch(
        f"/v1/tenants/{tenant['tenant_id']}", json={"plan": "pro"},
        headers={**api.operator, "If-Match": '"1"'},
    )  # fmt: skip
    assert changed.status_code == 200

    async def changed_once() -> list[dict[str, Any]] | None:
        rows = await subscription_rows(billing_db, tenant["tenant_id"])
        found = [row for shard_rows in rows.values() for row in shard_rows]
        return found if found and found[0]["plan"] == "pro" else None

    (subscription,) = await converge(changed_once, within=30)
    assert subscription["version"] == 2
    event_id = EventEnvelope.from_json(created).event_id
    inbox = await billing_db.rows("SELECT event_id FROM inbox WHERE event_id = $1", event_id)
    assert sum(len(rows) for rows in inbox.values()) == 1
