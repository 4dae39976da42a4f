"""Where a tenant's billing rows live when the ring is not the answer: tenants moved ahead of
a growing ring, and tenants kept on a shard of their own. A small directory table, followed
by each billing process (a poll reads the rows changed since the last one)."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import Column, DateTime, Index, MetaData, String, Table, Uuid, func, select
from sqlalchemy.dialects.postgresql import aggregate_order_by
from sqlalchemy.ext.asyncio import AsyncEngine

from tessera_common.background import poll_forever
from tessera_common.resharding.moves import FLIP_LOOKBACK

metadata = MetaData()

billing_placements = Table(
    "billing_placements",
    metadata,
    Column("tenant_id", Uuid, primary_key=True),
    Column("shard", String(64), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Index("billing_placements_updated_at", "updated_at"),
)


class BillingOverrides:
    """This process's copy of the overrides. Rows are only added or changed while it runs
    (those a grown ring makes redundant are deleted, and name the ring's own pick anyway)."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine
        self.placed: dict[uuid.UUID, str] = {}
        self._since: datetime | None = None

    async def follow(self) -> None:
        """Take the overrides changed since the last poll (all of them, the first time), in
        one statement: a poll that finds nothing still learns the time to ask from next."""
        c = billing_placements.c
        query = select(
            func.now(),
            func.array_agg(aggregate_order_by(c.tenant_id, c.tenant_id)),
            func.array_agg(aggregate_order_by(c.shard, c.tenant_id)),
        )
        if self._since is not None:
            query = query.where(c.updated_at > self._since - FLIP_LOOKBACK)
        async with self._engine.connect() as conn:
            now, tenants, shards = (await conn.execute(query)).one()
        self.placed.update(zip(tenants or (), shards or (), strict=True))
        self._since = now

    async def followed(self) -> None:
        """Ready once followed: until then, a moved tenant would be routed by the ring."""
        if self._since is None:
            await self.follow()

    async def run(self, poll_seconds: float) -> None:
        await poll_forever(self.follow, poll_seconds, failure="billing_placements_poll_failed")
