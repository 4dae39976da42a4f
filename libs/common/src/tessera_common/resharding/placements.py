"""What a move relocates: a tenant's home (its accounts and usage rows, placed by the
directory's `tenant_placements`) or its billing rows (placed by the billing ring, or by an
override in `billing_placements`). Each names where the tenant is now, why a target may be
refused, and how the flip records the new place."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from enum import StrEnum

import asyncpg

from tessera_common.sharding.topology import ShardTopology
from tessera_common.vocabulary import Region


class MoveScope(StrEnum):
    HOME = "home"
    BILLING = "billing"


@dataclass(frozen=True)
class Whereabouts:
    shard: str
    region: Region | None  # the region whose shards hold the rows (home rows only)


class HomePlacement:
    scope = MoveScope.HOME

    async def locate(
        self, conn: asyncpg.Connection, topology: ShardTopology, tenant_id: uuid.UUID
    ) -> Whereabouts | None:
        placed = await conn.fetchrow(
            "SELECT shard, region FROM tenant_placements WHERE tenant_id = $1", tenant_id
        )
        return None if placed is None else Whereabouts(placed["shard"], Region(placed["region"]))

    def refusal(self, topology: ShardTopology, at: Whereabouts, target: str) -> str | None:
        regional = topology.regions
        if at.region is None or target not in regional.shards:
            return None
        if regional.region_owns(at.region, target):
            return None
        return (
            f"{target} holds other regions' tenants; a {at.region} tenant's rows stay on "
            f"{at.region}'s shards ({', '.join(regional.group(at.region))}) or on one of "
            "their own"
        )

    async def record(
        self, conn: asyncpg.Connection, tenant_id: uuid.UUID, source: str, target: str
    ) -> None:
        await conn.execute(
            "UPDATE tenant_placements SET shard = $2 WHERE tenant_id = $1 AND shard = $3",
            tenant_id, target, source,
        )  # fmt: skip


class BillingPlacement:
    """Billing rows go wherever the ring's shards are: a region does not bound them."""

    scope = MoveScope.BILLING

    async def locate(
        self, conn: asyncpg.Connection, topology: ShardTopology, tenant_id: uuid.UUID
    ) -> Whereabouts | None:
        placed = await conn.fetchval(
            "SELECT shard FROM billing_placements WHERE tenant_id = $1", tenant_id
        )
        return Whereabouts(placed or topology.ring.shard_for(str(tenant_id)), None)

    def refusal(self, topology: ShardTopology, at: Whereabouts, target: str) -> str | None:
        return None

    async def record(
        self, conn: asyncpg.Connection, tenant_id: uuid.UUID, source: str, target: str
    ) -> None:
        await conn.execute(
            "INSERT INTO billing_placements (tenant_id, shard) VALUES ($1, $2) "
            "ON CONFLICT (tenant_id) DO UPDATE SET shard = $2, updated_at = now() "
            "WHERE billing_placements.shard = $3",
            tenant_id, target, source,
        )  # fmt: skip


PLACEMENTS: dict[MoveScope, HomePlacement | BillingPlacement] = {
    MoveScope.HOME: HomePlacement(),
    MoveScope.BILLING: BillingPlacement(),
}
