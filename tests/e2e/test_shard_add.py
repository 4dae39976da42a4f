"""`make shard-add` on the running stack: a new Postgres server with every service's schema,
registered in the shard topology, followed by every command process without a restart; new
tenants of its region land on it, and their writes, events and usage work as anywhere."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import asyncpg
import pytest
from sqlalchemy.engine import make_url
from support import Api, bearer, current_topology, usage_record

from tessera_common.db.urls import asyncpg_dsn, with_database
from tessera_common.sharding.topology import TopologyError
from tessera_common.vocabulary import Region
from tessera_stack.endpoints import Endpoints
from tessera_stack.services import instances, service_process
from tessera_stack.shards import FOLLOWERS, add_shard
from tessera_stack.stack import LocalStack

Converge = Callable[..., Awaitable[Any]]


async def rows_on(server_url: str, database: str, sql: str, *args: object) -> list[Any]:
    conn = await asyncpg.connect(asyncpg_dsn(with_database(server_url, database)))
    try:
        return list(await conn.fetch(sql, *args))
    finally:
        await conn.close()


def follower_pids(stack: LocalStack) -> dict[str, int | None]:
    return {
        i.name: service_process(stack.layout, i.name).pid()
        for i in instances(stack.layout, FOLLOWERS)
    }


async def test_a_shard_server_added_live_takes_new_tenants_of_its_region(
    local_stack: LocalStack, endpoints: Endpoints, api: Api, converge: Converge
) -> None:
    before = await current_topology(endpoints)
    name = "shard-3"
    if name in before.servers:  # a shard is added for good: only a fresh stack can add it
        pytest.skip(f"{name} was added by an earlier run on this stack (`make clean` resets)")
    pids = follower_pids(local_stack)

    added = await asyncio.to_thread(add_shard, local_stack, name, Region.US_EAST)

    topology = await current_topology(endpoints)
    assert topology == added.topology
    assert topology.version == before.version + 1
    assert topology.regions.group(Region.US_EAST) == [*before.regions.group(Region.US_EAST), name]
    assert topology.billing_ring == before.billing_ring  # the ring grows on its own, later
    assert make_url(topology.servers[name]).password is None  # passwords stay in configuration
    assert follower_pids(local_stack) == pids  # followed, not restarted

    # Rendezvous placement: about a third of new us-east tenants land on the new shard.
    tenant: dict[str, Any] = {}
    for _ in range(64):
        tenant = await api.tenant(region="us-east", name="Newcomer")
        if tenant["shard"] == name:
            break
    assert tenant["shard"] == name, "no new us-east tenant landed on the added shard"
    tenant_id, key = tenant["tenant_id"], bearer(tenant["api_key"])
    server = added.server.url
    assert await rows_on(server, "accounts", "SELECT id FROM tenants WHERE id = $1",
                         uuid.UUID(tenant_id))  # fmt: skip

    user = await api.gateway.post(
        f"/v1/tenants/{tenant_id}/users", json={"email": "ada@example.com", "name": "Ada"},
        headers=key,
    )  # fmt: skip
    assert user.status_code == 201, user.text
    assert await rows_on(server, "accounts", "SELECT id FROM users WHERE tenant_id = $1",
                         uuid.UUID(tenant_id))  # fmt: skip

    # The new shard's outbox relay publishes: the read model counts the user.
    async def counted() -> int | None:
        profile = await api.gateway.get(f"/v1/tenants/{tenant_id}", headers=key)
        return profile.json()["user_count"] or None if profile.status_code == 200 else None

    assert await converge(counted, within=30) == 1

    # Usage follows the tenant's placement to the new shard.
    recorded = await api.gateway.post("/v1/usage", json={"records": [usage_record(7)]},
                                      headers=key)  # fmt: skip
    assert recorded.status_code == 202, recorded.text
    stored = await rows_on(
        server, "usage", "SELECT sum(quantity) AS total FROM usage_records WHERE tenant_id = $1",
        uuid.UUID(tenant_id),
    )  # fmt: skip
    assert stored[0]["total"] == 7


async def test_a_taken_or_malformed_shard_name_is_refused_before_anything_starts(
    local_stack: LocalStack, endpoints: Endpoints
) -> None:
    before = await current_topology(endpoints)
    taken = before.shards[0]
    with pytest.raises(TopologyError, match=f"{taken} is already a shard"):
        await asyncio.to_thread(add_shard, local_stack, taken, Region.EU_WEST)
    with pytest.raises(TopologyError, match="lower-case letters, digits and '-'"):
        await asyncio.to_thread(add_shard, local_stack, "Shard 9", Region.EU_WEST)
    assert await current_topology(endpoints) == before
    assert {s.name for s in local_stack.layout.shards} >= set(before.shards) - {"Shard 9"}
