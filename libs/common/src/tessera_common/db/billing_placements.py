"""Where a tenant's billing rows live when the ring is not the answer: tenants moved ahead of
a growing ring, and tenants kept on a shard of their own. A small directory table, followed
by each billing process (a poll reads the rows changed since the last one)."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from sqlalchemy import Column, DateTime, Index, MetaData, String, Table, Uuid, func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from tessera_common.background import poll_forever

metadata = MetaData()

billing_placements = Table(
    "billing_placements",
    metadata,
    Column("tenant_id", Uuid, primary_key=True),
    Column("shard", String(64), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Index("billing_placements_updated_at", "updated_at"),
)

# A flip's transaction stamps its start; a poll may run before it commits: look back.
_OVERLAP = timedelta(seconds=10)


class BillingOverrides:
    """This process's copy of the overrides. Rows are only added or changed while it runs
    (those a grown ring makes redundant are deleted, and name the ring's own pick anyway)."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine
        self.placed: dict[uuid.UUID, str] = {}
        self._since: datetime | None = None

    async def follow(self) -> None:
        """Take the overrides changed since the last poll (all of them, the first time)."""
        c = billing_placements.c
        query = select(c.tenant_id, c.shard, func.now().label("now"))
        if self._since is not None:
            query = query.where(c.updated_at > self._since - _OVERLAP)
        async with self._engine.connect() as conn:
            rows = (await conn.execute(query)).all()
            if not rows:
                self._since = (await conn.execute(select(func.now()))).scalar_one()
                return
        self.placed.update({row.tenant_id: row.shard for row in rows})
        self._since = rows[0].now

    async def followed(self) -> None:
        """Ready once followed: until then, a moved tenant would be routed by the ring."""
        if self._since is None:
            await self.follow()

    async def run(self, poll_seconds: float) -> None:
        await poll_forever(self.follow, poll_seconds, failure="billing_placements_poll_failed")
