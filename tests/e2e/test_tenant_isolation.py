"""`make isolate-tenant` on the running stack: a tenant gets a shard server of its own, in
no region's group, moves there with its rows, and no other tenant may follow it there."""

from __future__ import annotations

import asyncio
import json
import uuid

import pytest
from support import Accounts, Api, bearer, current_topology, mover

from tessera_common.resharding.moves import MoveError
from tessera_stack.endpoints import Endpoints
from tessera_stack.shards import isolate_tenant
from tessera_stack.stack import LocalStack


async def test_an_isolated_tenant_gets_a_shard_of_its_own_and_keeps_it_alone(
    local_stack: LocalStack, endpoints: Endpoints, api: Api, accounts_db: Accounts
) -> None:
    before = await current_topology(endpoints)
    if before.dedicated:  # servers are added for good: only a fresh stack can add one
        pytest.skip("a tenant was isolated by an earlier run on this stack (`make clean` resets)")
    tenant = await api.tenant(region="eu-west", name="Big", plan="pro")
    tenant_id, key = tenant["tenant_id"], bearer(tenant["api_key"])
    users = f"/v1/tenants/{tenant_id}/users"
    first = await api.gateway.post(users, json={"email": "a@example.com", "name": "A"}, headers=key)
    assert first.status_code == 201, first.text

    moved = json.loads(await asyncio.to_thread(isolate_tenant, local_stack, uuid.UUID(tenant_id)))

    own = f"tenant-{uuid.UUID(tenant_id).hex[:8]}"
    assert (moved["state"], moved["source"], moved["target"]) == ("done", tenant["shard"], own)
    topology = await current_topology(endpoints)
    assert topology.dedicated[own] == tenant_id
    assert own not in topology.regions.shards  # no new tenant is ever placed there
    assert moved["report"]["accounts.users"]["rows"] == 1

    second = await api.gateway.post(
        users, json={"email": "b@example.com", "name": "B"}, headers=key
    )
    assert second.status_code == 201, second.text
    for user in (first, second):
        assert await accounts_db.holders("users", user.json()["user_id"]) == [own]
    neighbour = await api.tenant(region="eu-west", name="Neighbour")
    async with mover(endpoints) as moves:
        with pytest.raises(MoveError, match=f"dedicated to tenant {tenant_id}"):
            await moves.plan(uuid.UUID(neighbour["tenant_id"]), own)
