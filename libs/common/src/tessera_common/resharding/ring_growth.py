"""Growing the billing ring onto one more shard, online: exactly the tenants the wider ring
reassigns (about 1/(N+1) of them, all onto the new shard) have their billing rows moved,
one at a time, by the tenant mover.

1. growing: the topology names the wider ring; each process still routes every tenant by
   the ring it has, and a moved tenant by its override (`billing_placements`);
2. sweep: every tenant with billing rows on the ring that the wider ring reassigns is moved
   (copy, fence, catch up, verify, flip to an override, delete), with a pause between moves;
3. sealed: a reassigned tenant not moved yet is refused for a moment (503, retried by every
   consumer), so that a tenant billing first met during the sweep is swept too;
4. grown: the wider ring is the ring; the overrides it makes redundant are deleted.

Each phase is a topology version, and each process follows a version before the next
phase begins. Killed anywhere, `grow` run again resumes: the phase is in the topology and
each move in its own state machine.
"""

from __future__ import annotations

import asyncio
import statistics
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass, field
from typing import Any

import asyncpg
import structlog

from tessera_common.db.topology import TopologyStore
from tessera_common.db.urls import asyncpg_dsn, with_database
from tessera_common.resharding.moves import MoveError, MoveState, TenantMover
from tessera_common.resharding.tables import tenant_tables
from tessera_common.sharding.topology import ShardTopology

log = structlog.get_logger(__name__)

# Waits until every process follows a topology version; the seconds it took.
Followed = Callable[[int], Awaitable[float]]
MoverFor = Callable[[ShardTopology], TenantMover]


@dataclass
class RingGrowth:
    shard: str
    ring_before: list[str]
    ring_after: list[str] = field(default_factory=list)
    tenants_on_ring: int = 0  # tenants with billing rows when the sweep began
    moved: int = 0
    rows_copied: int = 0
    seconds: float = 0.0
    sealed_seconds: float = 0.0  # the new tenants' wait, from the seal to the grown ring
    fence_seconds: list[float] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        fences = self.fence_seconds
        return {
            **{k: v for k, v in asdict(self).items() if k != "fence_seconds"},
            "moved_share": round(self.moved / self.tenants_on_ring, 3)
            if self.tenants_on_ring else 0.0,
            "fence_p50_seconds": round(statistics.median(fences), 3) if fences else None,
            "fence_max_seconds": round(max(fences), 3) if fences else None,
        }  # fmt: skip


class RingGrower:
    """Grows the billing ring of the topology in `store` (the directory at `directory_url`).
    `servers` gives each shard's server URL (with credentials) for a version, `mover_for`
    a mover of billing rows for a version, and `followed` waits until every process
    follows a version."""

    def __init__(
        self,
        directory_url: str,
        store: TopologyStore,
        servers: Callable[[ShardTopology], dict[str, str]],
        mover_for: MoverFor,
        followed: Followed,
        *,
        database: str,
        pause_seconds: float = 0.1,
    ) -> None:
        self._directory_url = directory_url
        self._store = store
        self._servers = servers
        self._mover_for = mover_for
        self._followed = followed
        self._database = database
        self._pause = pause_seconds

    async def grow(self, shard: str) -> RingGrowth:
        began = time.monotonic()
        topology = await self._store.latest()
        growth = RingGrowth(shard, list(topology.billing_ring))
        if not topology.billing_ring_next:
            topology = await self._store.change(
                lambda latest: latest.with_ring_growing(shard),
                f"billing ring grows onto {shard}",
            )
        elif shard in topology.billing_ring or shard not in topology.billing_ring_next:
            raise MoveError(
                f"the billing ring is growing into {', '.join(topology.billing_ring_next)}: "
                "resume that growth first"
            )
        await self._followed(topology.version)
        mover = self._mover_for(topology)
        async with mover.keeping_connections():
            topology = await self._grow(mover, topology, growth)
        await self._forget_redundant(topology)
        growth.ring_after = list(topology.billing_ring)
        growth.seconds = round(time.monotonic() - began, 3)
        log.info("ring_grown", **growth.as_dict())
        return growth

    async def _grow(
        self, mover: TenantMover, topology: ShardTopology, growth: RingGrowth
    ) -> ShardTopology:
        """From growing (or sealed) to grown; the grown version."""
        shard = growth.shard
        if not topology.billing_ring_sealed:
            await self._finish(mover, await self._sweep(mover, topology, growth), growth)
            topology = await self._store.change(
                lambda latest: latest.with_ring_sealed(), f"billing ring onto {shard}: sealed"
            )
            await self._followed(topology.version)
        sealed_at = time.monotonic()
        # The tenants billing met since the first sweep: they wait while they move.
        flipped = await self._sweep(mover, topology, growth)
        topology = await self._store.change(
            lambda latest: latest.with_ring_grown(), f"billing ring grown onto {shard}"
        )
        await self._followed(topology.version)
        growth.sealed_seconds = round(time.monotonic() - sealed_at, 3)
        await self._finish(mover, flipped, growth)
        return topology

    async def _sweep(
        self, mover: TenantMover, topology: ShardTopology, growth: RingGrowth
    ) -> list[uuid.UUID]:
        """Move every tenant the wider ring reassigns up to its flip (with any move begun
        before), a pause between two; the moves flipped, whose source rows are left to
        delete after one grace for them all."""
        active = await self._active_moves()
        flipped = []
        for move_id in active.values():  # begun before a kill: on to their flips first
            flipped.append((await mover.run(move_id, stop_after=MoveState.FLIPPED)).id)
        reassigned = await self.reassigned(topology)
        growth.tenants_on_ring = growth.tenants_on_ring or reassigned.tenants
        to_move = {t: shard for t, shard in reassigned.moves.items() if t not in active}
        for n, (tenant, target) in enumerate(sorted(to_move.items()), start=1):
            move = await mover.run(
                (await mover.plan(tenant, target)).id, stop_after=MoveState.FLIPPED
            )
            flipped.append(move.id)
            log.info("ring_growth_progress", flipped=n, of=len(to_move))
            await asyncio.sleep(self._pause)
        return flipped

    async def _finish(
        self, mover: TenantMover, flipped: list[uuid.UUID], growth: RingGrowth
    ) -> None:
        """Run the flipped moves to their end: the source rows go."""
        for move_id in flipped:
            move = await mover.run(move_id)
            growth.moved += 1
            growth.rows_copied += move.rows_copied
            if move.fence_seconds is not None:
                growth.fence_seconds.append(move.fence_seconds)

    async def reassigned(self, topology: ShardTopology) -> Reassigned:
        """The tenants with billing rows on the ring whose rows the wider ring places on
        another shard, with that shard; and how many tenants the ring holds."""
        tenants, moves = set[uuid.UUID](), dict[uuid.UUID, str]()
        next_ring = topology.next_ring or topology.ring  # not growing: nothing to move
        placed = await self._overrides()
        servers = self._servers(topology)
        for shard in topology.billing_ring:
            on_shard = await self._tenants_on(servers[shard])
            tenants |= on_shard
            for tenant in on_shard - placed.keys():
                key = str(tenant)  # its rows on this shard, and the ring puts them here
                if topology.ring.shard_for(key) == shard:
                    target = next_ring.shard_for(key)
                    if target != shard:
                        moves[tenant] = target
        return Reassigned(len(tenants), moves)

    async def _tenants_on(self, server: str) -> set[uuid.UUID]:
        conn = await asyncpg.connect(asyncpg_dsn(with_database(server, self._database)))
        try:
            tables = await tenant_tables(conn)
            union = " UNION ".join(
                f"SELECT DISTINCT {t.tenant_column}::text AS tenant FROM {t.name}" for t in tables
            )
            rows = await conn.fetch(union) if union else []
        finally:
            await conn.close()
        return {uuid.UUID(row["tenant"]) for row in rows if row["tenant"]}

    async def _directory(self) -> asyncpg.Connection:
        return await asyncpg.connect(asyncpg_dsn(self._directory_url))

    async def _overrides(self) -> dict[uuid.UUID, str]:
        conn = await self._directory()
        try:
            rows = await conn.fetch("SELECT tenant_id, shard FROM billing_placements")
        finally:
            await conn.close()
        return {row["tenant_id"]: row["shard"] for row in rows}

    async def _active_moves(self) -> dict[uuid.UUID, uuid.UUID]:
        """The billing moves not ended, by tenant, oldest first."""
        conn = await self._directory()
        try:
            rows = await conn.fetch(
                "SELECT tenant_id, id FROM tenant_moves WHERE scope = 'billing' "
                "AND state NOT IN ('done', 'rolled-back') ORDER BY created_at"
            )
        finally:
            await conn.close()
        return {row["tenant_id"]: row["id"] for row in rows}

    async def _forget_redundant(self, topology: ShardTopology) -> None:
        """Delete the overrides that name the grown ring's own pick (a tenant kept apart
        keeps its override)."""
        placed = await self._overrides()
        redundant = [t for t, s in placed.items() if topology.ring.shard_for(str(t)) == s]
        conn = await self._directory()
        try:
            await conn.execute(
                "DELETE FROM billing_placements WHERE tenant_id = ANY($1::uuid[])", redundant
            )
        finally:
            await conn.close()


@dataclass(frozen=True)
class Reassigned:
    tenants: int
    moves: dict[uuid.UUID, str]  # tenant -> its shard on the wider ring
