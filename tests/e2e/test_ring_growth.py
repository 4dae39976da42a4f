"""`make ring-grow` on the running stack: the billing ring grows onto an added shard while
tenants change their subscriptions and new tenants arrive; exactly the tenants the wider
ring reassigns have their billing rows moved, every acknowledged write is kept, and every
tenant's billing rows end on the shard the grown ring names. The growth begins where a
killed one stopped, mid-move, and finishes that move."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections import Counter
from collections.abc import Awaitable, Callable
from typing import Any

import asyncpg
from support import Api, Billing, bearer, billing_mover, current_topology

from tessera_common.db.engines import create_engine
from tessera_common.db.topology import TopologyStore
from tessera_common.db.urls import asyncpg_dsn
from tessera_common.resharding.moves import MoveState
from tessera_common.sharding.ring import ConsistentHashRing
from tessera_stack.endpoints import Endpoints
from tessera_stack.shards import add_shard, grow_ring
from tessera_stack.stack import LocalStack

Converge = Callable[..., Awaitable[Any]]


def next_shard(ring: tuple[str, ...]) -> str:
    """A name for the shard the ring grows onto: the first shard-N (from 4) not in it."""
    return next(f"shard-{n}" for n in range(4, 100) if f"shard-{n}" not in ring)


async def directory_rows(endpoints: Endpoints, sql: str) -> list[asyncpg.Record]:
    conn = await asyncpg.connect(asyncpg_dsn(endpoints.directory_db_url))
    try:
        return list(await conn.fetch(sql))
    finally:
        await conn.close()


async def billing_moves(endpoints: Endpoints) -> list[asyncpg.Record]:
    return await directory_rows(
        endpoints, "SELECT id, tenant_id::text AS tenant, source, target, state "
        "FROM tenant_moves WHERE scope = 'billing'",
    )  # fmt: skip


async def billing_overrides(endpoints: Endpoints) -> dict[str, str]:
    rows = await directory_rows(
        endpoints, "SELECT tenant_id::text AS tenant, shard FROM billing_placements"
    )
    return {r["tenant"]: r["shard"] for r in rows}


async def subscriptions(billing_db: Billing) -> dict[str, dict[str, int]]:
    """Each tenant's subscription seats, by shard."""
    rows = await billing_db.rows("SELECT tenant_id::text AS tenant, seats FROM subscriptions")
    return {shard: {r["tenant"]: r["seats"] for r in found} for shard, found in rows.items()}


async def subscribed(billing_db: Billing, tenants: list[str]) -> bool:
    held = {t for on_shard in (await subscriptions(billing_db)).values() for t in on_shard}
    return set(tenants) <= held


class Load:
    """Subscription changes of `tenants` and new tenants, until the growth ends."""

    def __init__(self, api: Api, tenants: list[dict[str, Any]]) -> None:
        self.api, self.tenants = api, tenants
        self.acknowledged: dict[str, int] = {}  # tenant -> its last seat count answered 200
        self.statuses: Counter[int] = Counter()
        self.newcomers: list[str] = []
        self.growing = asyncio.Event()

    async def change_seats(self) -> None:  # every tenant, one after the other, without pause
        seats = 1
        while not self.growing.is_set():
            for tenant in self.tenants:
                seats += 1
                changed = await self.api.gateway.put(
                    f"/v1/tenants/{tenant['tenant_id']}/subscription",
                    json={"plan": "pro", "seats": seats}, headers=bearer(tenant["api_key"]),
                )  # fmt: skip
                self.statuses[changed.status_code] += 1
                if changed.status_code == 200:
                    self.acknowledged[tenant["tenant_id"]] = seats

    async def arrive(self) -> None:  # new tenants: billing meets them during the growth
        while not self.growing.is_set():
            tenant = await self.api.tenant(name="Newcomer", region="apac")
            self.newcomers.append(tenant["tenant_id"])
            await asyncio.sleep(0.25)


async def reassigned_tenant(api: Api, wider: ConsistentHashRing, shard: str) -> dict[str, Any]:
    """A new tenant the wider ring places on `shard`."""
    for _ in range(60):
        tenant = await api.tenant(name="Reassigned", region="us-east")
        if wider.shard_for(tenant["tenant_id"]) == shard:
            return tenant
    raise AssertionError(f"no new tenant of 60 falls on {shard} in the wider ring")


async def killed_mid_move(endpoints: Endpoints, shard: str, tenant_id: str) -> uuid.UUID:
    """What a grower killed mid-move leaves: the ring growing onto `shard`, and the
    tenant's move there fenced; the move's id."""
    directory = create_engine(endpoints.directory_db_url, pool_size=1)
    try:
        await TopologyStore(directory).change(
            lambda latest: latest.with_ring_growing(shard), f"growing onto {shard}"
        )
    finally:
        await directory.dispose()
    async with billing_mover(endpoints) as moves:
        planned = await moves.plan(uuid.UUID(tenant_id), shard)
        await moves.run(planned.id, stop_after=MoveState.FENCED)
    return planned.id


async def test_the_billing_ring_grows_moving_exactly_the_tenants_it_reassigns(
    local_stack: LocalStack, endpoints: Endpoints, api: Api, billing_db: Billing,
    converge: Converge,
) -> None:  # fmt: skip
    before = await current_topology(endpoints)
    new_shard = next_shard(before.billing_ring)
    if new_shard not in before.servers:
        await asyncio.to_thread(add_shard, local_stack, new_shard, None)
    tenants = [await api.tenant(name=f"Ringed {n}", region="eu-west") for n in range(12)]
    fenced = await reassigned_tenant(
        api, ConsistentHashRing([*before.billing_ring, new_shard]), new_shard
    )
    tenants_ids = [t["tenant_id"] for t in [*tenants, fenced]]
    await converge(lambda: subscribed(billing_db, tenants_ids), within=60)

    # A growth killed mid-move, resumed below by the grower run again.
    earlier = {m["id"] for m in await billing_moves(endpoints)}
    resumed = await killed_mid_move(endpoints, new_shard, fenced["tenant_id"])
    seats = f"/v1/tenants/{fenced['tenant_id']}/subscription"
    waiting = await api.gateway.put(
        seats, json={"plan": "pro", "seats": 3}, headers=bearer(fenced["api_key"])
    )
    assert (waiting.status_code, waiting.headers["retry-after"]) == (503, "1")
    load = Load(api, tenants)
    running = asyncio.gather(load.change_seats(), load.arrive())
    try:
        report = json.loads(await asyncio.to_thread(grow_ring, local_stack, new_shard, 0.02))
    finally:
        load.growing.set()
        await running
    acknowledged, statuses, newcomers = load.acknowledged, load.statuses, load.newcomers

    after = await current_topology(endpoints)
    assert after.billing_ring == (*before.billing_ring, new_shard)
    assert (after.billing_ring_next, after.billing_ring_sealed) == ((), False)
    assert report["ring_after"] == list(after.billing_ring)
    assert set(statuses) <= {200, 503}, statuses  # a fenced write waits, none fails
    assert statuses[200] > 0

    # Exactly the reassigned tenants moved, each onto the new shard, once.
    moves = [m for m in await billing_moves(endpoints) if m["id"] not in earlier]
    moved = Counter(m["tenant"] for m in moves)
    assert {m["target"] for m in moves} == {new_shard}
    assert {m["state"] for m in moves} == {"done"}
    assert max(moved.values()) == 1
    assert report["moved"] == len(moved)
    for tenant in tenants_ids:
        reassigned = after.ring.shard_for(tenant) != before.ring.shard_for(tenant)
        assert (tenant in moved) == reassigned, tenant
    assert resumed in {m["id"] for m in moves}  # the killed move, finished, not planned again

    # Every tenant's billing rows are where the grown ring names (or its override), and
    # every acknowledged seat count is there.
    overrides = await billing_overrides(endpoints)
    assert all(after.ring.shard_for(t) != s for t, s in overrides.items())  # none redundant
    assert newcomers, "no tenant arrived during the growth"
    await converge(lambda: subscribed(billing_db, newcomers), within=60)
    held = await subscriptions(billing_db)
    misplaced = [
        (tenant, shard) for shard, on_shard in held.items() for tenant in on_shard
        if overrides.get(tenant, after.ring.shard_for(tenant)) != shard
    ]  # fmt: skip
    assert misplaced == []
    for tenant, count in acknowledged.items():
        assert held[after.ring.shard_for(tenant)][tenant] == count
    changed = await api.gateway.put(
        seats, json={"plan": "pro", "seats": 3}, headers=bearer(fenced["api_key"])
    )
    assert changed.status_code == 200, changed.text
    assert (await subscriptions(billing_db))[new_shard][fenced["tenant_id"]] == 3
