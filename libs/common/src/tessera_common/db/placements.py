"""The tenant directory: where each tenant lives, in a small database, cached in process.

A placement is written before the tenant's rows, so a tenant is never unroutable;
a placement whose shard write failed points at a shard without that tenant, which
reads as "not found". A placement changes only when its tenant is moved to another shard
(tessera_common.resharding): each process drops the cached placement within a poll of the
move's flip, and until then its writes to the old shard are refused by the tenant's fence
there, never applied.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime

from cachetools import LRUCache
from sqlalchemy import Column, DateTime, MetaData, String, Table, Uuid, func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncEngine

from tessera_common.background import poll_forever
from tessera_common.db.engines import ping
from tessera_common.db.errors import shard_error
from tessera_common.resharding.moves import FLIP_LOOKBACK, MoveState, tenant_moves
from tessera_common.resharding.placements import MoveScope
from tessera_common.vocabulary import Region

metadata = MetaData()

tenant_placements = Table(
    "tenant_placements",
    metadata,
    Column("tenant_id", Uuid, primary_key=True),
    Column("region", String(16), nullable=False),
    Column("shard", String(64), nullable=False, index=True),
    Column("placed_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)


@dataclass(frozen=True)
class Placement:
    tenant_id: uuid.UUID
    region: Region
    shard: str


@contextmanager
def _directory_errors() -> Iterator[None]:
    """The directory unreachable or busy: a ShardUnavailableError naming it."""
    try:
        yield
    except Exception as exc:
        if (error := shard_error("directory", exc)) is not None:
            raise error from exc
        raise


class TenantDirectory:
    def __init__(self, engine: AsyncEngine, cache_size: int) -> None:
        self._engine = engine
        self._cache: LRUCache[uuid.UUID, Placement] = LRUCache(maxsize=max(cache_size, 1))

    async def forget_moved(self, since: datetime | None) -> datetime:
        """Drop the cached placement of every tenant whose move flipped since `since` (the
        directory's clock); the time to ask from next."""
        c = tenant_moves.c
        query = select(func.now(), func.array_agg(c.tenant_id)).where(
            c.scope == MoveScope.HOME.value,
            c.state.in_([MoveState.FLIPPED.value, MoveState.DONE.value]),
            c.updated_at > (since - FLIP_LOOKBACK if since else func.now()),
        )
        async with self._engine.connect() as conn:
            now, moved = (await conn.execute(query)).one()
        for tenant_id in moved or ():
            self._cache.pop(tenant_id, None)
        return now

    async def follow_moves(self, poll_seconds: float) -> None:
        """`forget_moved` every `poll_seconds`, for as long as the process runs (while the
        directory is down, no move can flip either)."""
        since: datetime | None = None

        async def poll() -> None:
            nonlocal since
            since = await self.forget_moved(since)

        await poll_forever(poll, poll_seconds, failure="directory_moves_poll_failed")

    async def ping(self) -> None:
        await ping(self._engine)

    async def place(self, placement: Placement) -> Placement:
        """Record a placement; if the tenant is already placed, the existing placement."""
        stmt = (
            insert(tenant_placements)
            .values(
                tenant_id=placement.tenant_id,
                region=placement.region.value,
                shard=placement.shard,
            )
            .on_conflict_do_nothing(index_elements=["tenant_id"])
        )
        with _directory_errors():
            async with self._engine.begin() as conn:
                inserted = (await conn.execute(stmt)).rowcount == 1
        if not inserted:
            existing = await self.find(placement.tenant_id)
            assert existing is not None  # placements are never deleted
            return existing
        self._cache[placement.tenant_id] = placement
        return placement

    async def find(self, tenant_id: uuid.UUID) -> Placement | None:
        if (cached := self._cache.get(tenant_id)) is not None:
            return cached
        query = select(tenant_placements.c.region, tenant_placements.c.shard).where(
            tenant_placements.c.tenant_id == tenant_id
        )
        with _directory_errors():
            async with self._engine.connect() as conn:
                row = (await conn.execute(query)).first()
        if row is None:
            return None
        placement = Placement(tenant_id, Region(row.region), row.shard)
        self._cache[tenant_id] = placement
        return placement

    async def find_many(self, tenant_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, Placement]:
        """The placements of those tenants the directory holds; one query for those not
        cached."""
        found: dict[uuid.UUID, Placement] = {}
        missing = []
        for tenant_id in tenant_ids:
            if (cached := self._cache.get(tenant_id)) is not None:
                found[tenant_id] = cached
            else:
                missing.append(tenant_id)
        if not missing:
            return found
        c = tenant_placements.c
        query = select(c.tenant_id, c.region, c.shard).where(c.tenant_id.in_(missing))
        with _directory_errors():
            async with self._engine.connect() as conn:
                rows = (await conn.execute(query)).all()
        for row in rows:
            placement = Placement(row.tenant_id, Region(row.region), row.shard)
            found[row.tenant_id] = self._cache[row.tenant_id] = placement
        return found
