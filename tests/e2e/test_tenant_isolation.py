"""`make isolate-tenant` on the running stack: a tenant gets a shard server of its own, in
no region's group, moves there with its rows (its billing rows too, off the ring), and no
other tenant may follow it there."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from support import Accounts, Api, Billing, bearer, current_topology, mover

from tessera_common.resharding.moves import MoveError
from tessera_stack.endpoints import Endpoints
from tessera_stack.shards import isolate_tenant
from tessera_stack.stack import LocalStack

Converge = Callable[..., Awaitable[Any]]


async def subscription_shards(billing_db: Billing, tenant_id: str) -> dict[str, int]:
    """The shards holding the tenant's subscription, with its seats there."""
    found = await billing_db.rows(
        "SELECT seats FROM subscriptions WHERE tenant_id = $1", uuid.UUID(tenant_id)
    )
    return {shard: rows[0]["seats"] for shard, rows in found.items() if rows}


async def test_an_isolated_tenant_gets_a_shard_of_its_own_and_keeps_it_alone(
    local_stack: LocalStack, endpoints: Endpoints, api: Api, accounts_db: Accounts, *,
    billing_db: Billing, converge: Converge,
) -> None:  # fmt: skip
    before = await current_topology(endpoints)
    if before.dedicated:  # servers are added for good: only a fresh stack can add one
        pytest.skip("a tenant was isolated by an earlier run on this stack (`make clean` resets)")
    tenant = await api.tenant(region="eu-west", name="Big", plan="pro")
    tenant_id, key = tenant["tenant_id"], bearer(tenant["api_key"])
    users = f"/v1/tenants/{tenant_id}/users"
    first = await api.gateway.post(users, json={"email": "a@example.com", "name": "A"}, headers=key)
    assert first.status_code == 201, first.text
    await converge(lambda: subscription_shards(billing_db, tenant_id), within=30)

    moved = json.loads(await asyncio.to_thread(isolate_tenant, local_stack, uuid.UUID(tenant_id)))

    own = f"tenant-{uuid.UUID(tenant_id).hex[:8]}"
    home, billing = moved["home"], moved["billing"]
    assert (home["state"], home["source"], home["target"]) == ("done", tenant["shard"], own)
    ring_pick = before.ring.shard_for(tenant_id)
    assert (billing["state"], billing["source"], billing["target"]) == ("done", ring_pick, own)
    topology = await current_topology(endpoints)
    assert topology.dedicated[own] == tenant_id
    assert own not in topology.regions.shards  # no new tenant is ever placed there
    assert home["report"]["accounts.users"]["rows"] == 1
    assert billing["report"]["billing.subscriptions"]["rows"] == 1

    second = await api.gateway.post(
        users, json={"email": "b@example.com", "name": "B"}, headers=key
    )
    assert second.status_code == 201, second.text
    for user in (first, second):
        assert await accounts_db.holders("users", user.json()["user_id"]) == [own]
    seats = await api.gateway.put(
        f"/v1/tenants/{tenant_id}/subscription", json={"plan": "pro", "seats": 7}, headers=key
    )
    assert seats.status_code == 200, seats.text
    assert await subscription_shards(billing_db, tenant_id) == {own: 7}
    neighbour = await api.tenant(region="eu-west", name="Neighbour")
    async with mover(endpoints) as moves:
        with pytest.raises(MoveError, match=f"dedicated to tenant {tenant_id}"):
            await moves.plan(uuid.UUID(neighbour["tenant_id"]), own)
