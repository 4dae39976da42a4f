"""A tenant's move to another shard, as a state machine kept in the directory. A move takes
the tenant's home rows (accounts, usage) or its billing rows (see placements).

    planned -> copied -> fenced -> caught-up -> verified -> flipped -> done
                  (abort before `flipped`) -> rolled-back

1. copy: the tenant's rows of every tenant table of each database moved, while its writes
   go on;
2. fence: the source refuses the tenant's writes (503, Retry-After 1) from here;
3. catch up: once the source's outboxes have published the tenant's last events (so its
   events keep their order: the old shard's before any of the new one's), copy what changed
   since the copy, by row digest;
4. verify: row counts and checksums per table, equal on both sides, else back to `fenced`;
5. flip: the directory places the tenant (or its billing) on the target; the source's
   fences become tombstones naming it (a process still routing the tenant there is
   refused, and follows within a second);
6. clean up: after a grace of a few poll intervals, the source rows are deleted.

Each step is idempotent and its state is written when it ends: a mover killed at any point
resumes from the last state written, or rolls back if the move has not flipped.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

import asyncpg
import orjson
import structlog
from sqlalchemy import (
    BigInteger,
    Column,
    DateTime,
    Float,
    Index,
    MetaData,
    String,
    Table,
    Text,
    Uuid,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB

from tessera_common.db.urls import asyncpg_dsn, with_database
from tessera_common.resharding.copying import THROUGH_FENCE, delete_rows, sync_tables
from tessera_common.resharding.placements import PLACEMENTS, MoveScope
from tessera_common.resharding.tables import TenantTable, tenant_tables
from tessera_common.sharding.topology import ShardTopology

log = structlog.get_logger(__name__)


class MoveState(StrEnum):
    PLANNED = "planned"
    COPIED = "copied"
    FENCED = "fenced"
    CAUGHT_UP = "caught-up"
    VERIFIED = "verified"
    FLIPPED = "flipped"
    DONE = "done"
    ROLLED_BACK = "rolled-back"


ENDED = (MoveState.DONE, MoveState.ROLLED_BACK)
# A flip's transaction stamps its start (`now()`), and a poll may run before it commits:
# what follows flips asks for those since its last poll, less this.
FLIP_LOOKBACK = timedelta(seconds=10)
ABORTABLE = (
    MoveState.PLANNED, MoveState.COPIED, MoveState.FENCED, MoveState.CAUGHT_UP, MoveState.VERIFIED
)  # fmt: skip

metadata = MetaData()

tenant_moves = Table(
    "tenant_moves",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("tenant_id", Uuid, nullable=False),
    Column("scope", String(16), nullable=False, server_default=MoveScope.HOME.value),
    Column("source", String(64), nullable=False),
    Column("target", String(64), nullable=False),
    Column("state", String(16), nullable=False),
    Column("rows_copied", BigInteger, nullable=False, server_default=text("0")),
    Column("fence_started_at", DateTime(timezone=True)),
    Column("fence_seconds", Float),
    Column("report", JSONB),
    Column("error", Text),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    # One move at a time per tenant and scope.
    Index(
        "tenant_moves_one_active_per_scope",
        "tenant_id",
        "scope",
        unique=True,
        postgresql_where=text("state NOT IN ('done', 'rolled-back')"),
    ),
)


class MoveError(Exception):
    """A move that cannot start or go on, with what to do about it."""


@dataclass(frozen=True)
class Move:
    id: uuid.UUID
    tenant_id: uuid.UUID
    scope: MoveScope
    source: str
    target: str
    state: MoveState
    rows_copied: int
    fence_seconds: float | None
    report: dict[str, Any] | None
    error: str | None
    created_at: datetime
    updated_at: datetime

    @classmethod
    def from_row(cls, row: asyncpg.Record) -> Move:
        report = row["report"]
        return cls(
            row["id"], row["tenant_id"], MoveScope(row["scope"]), row["source"], row["target"],
            MoveState(row["state"]),
            row["rows_copied"], row["fence_seconds"],
            orjson.loads(report) if isinstance(report, str) else report,
            row["error"], row["created_at"], row["updated_at"],
        )  # fmt: skip

    def as_dict(self) -> dict[str, Any]:
        return {
            "move_id": str(self.id), "tenant_id": str(self.tenant_id), "scope": self.scope.value,
            "source": self.source,
            "target": self.target, "state": self.state.value, "rows_copied": self.rows_copied,
            "fence_seconds": self.fence_seconds, "report": self.report, "error": self.error,
            "created_at": self.created_at.isoformat(), "updated_at": self.updated_at.isoformat(),
        }  # fmt: skip


FlipHook = Callable[["Move"], Awaitable[None]]


class TenantMover:
    """Moves tenants' rows of `scope` between the shards of `topology` (reached by `servers`:
    shard -> server URL with credentials), for the given databases. `before_flip` runs once
    the copy is
    verified, before the directory names the target: what the tenant's own service records
    of the move (it may run again if the mover is killed meanwhile)."""

    def __init__(
        self,
        directory_url: str,
        topology: ShardTopology,
        servers: Mapping[str, str],
        *,
        databases: tuple[str, ...],
        scope: MoveScope = MoveScope.HOME,
        before_flip: FlipHook | None = None,
        grace_seconds: float = 3.0,
        drain_timeout_seconds: float = 30.0,
    ) -> None:
        self._directory = asyncpg_dsn(directory_url)
        self._topology = topology
        self._servers = dict(servers)
        self._databases = databases
        self._placement = PLACEMENTS[scope]
        self._before_flip = before_flip
        self._grace_seconds = grace_seconds
        self._drain_timeout = drain_timeout_seconds
        self._kept: dict[str, asyncpg.Connection] | None = None
        self._known_tables: dict[str, list[TenantTable]] = {}  # by DSN, while keeping

    # --- the directory ------------------------------------------------------------------

    @asynccontextmanager
    async def _directory_conn(self) -> AsyncIterator[asyncpg.Connection]:
        async with self._connection(self._directory) as conn:
            yield conn

    @asynccontextmanager
    async def _connection(self, dsn: str) -> AsyncIterator[asyncpg.Connection]:
        """A connection to `dsn`: while a move runs, one kept for its every step (setting
        one up costs more than most of a small tenant's statements), else a fresh one."""
        if self._kept is None:
            conn = await asyncpg.connect(dsn, timeout=5)
            try:
                yield conn
            finally:
                await conn.close()
            return
        if dsn not in self._kept or self._kept[dsn].is_closed():
            self._kept[dsn] = await asyncpg.connect(dsn, timeout=5)
        yield self._kept[dsn]

    @asynccontextmanager
    async def keeping_connections(self) -> AsyncIterator[None]:
        """One connection per database, and each database's tenant tables read once, for
        every step of the moves run inside (a grower's many moves in a row)."""
        if self._kept is not None:
            yield
            return
        self._kept, self._known_tables = {}, {}
        try:
            yield
        finally:
            kept, self._kept, self._known_tables = self._kept, None, {}
            for conn in kept.values():
                await conn.close()

    async def get(self, move_id: uuid.UUID) -> Move:
        async with self._directory_conn() as conn:
            row = await conn.fetchrow("SELECT * FROM tenant_moves WHERE id = $1", move_id)
        if row is None:
            raise MoveError(f"no move {move_id}")
        return Move.from_row(row)

    async def moves_of(self, tenant_id: uuid.UUID) -> list[Move]:
        """The tenant's moves of this mover's scope, oldest first."""
        async with self._directory_conn() as conn:
            rows = await conn.fetch(
                "SELECT * FROM tenant_moves WHERE tenant_id = $1 AND scope = $2 "
                "ORDER BY created_at",
                tenant_id, self._placement.scope.value,
            )  # fmt: skip
        return [Move.from_row(row) for row in rows]

    async def plan(self, tenant_id: uuid.UUID, target: str) -> Move:
        """A new move of the tenant from its current shard to `target`: for its home rows,
        one of its region's shards or a shard no region places new tenants on (a tenant's
        own); for its billing rows, any shard."""
        if target not in self._topology.servers:
            raise MoveError(f"{target} is not a shard of the topology")
        if not self._topology.admits(target, tenant_id):
            raise MoveError(
                f"{target} is dedicated to tenant {self._topology.dedicated[target]}: "
                "no other tenant moves there"
            )
        scope = self._placement.scope
        async with self._directory_conn() as conn:
            at = await self._placement.locate(conn, self._topology, tenant_id)
            if at is None:
                raise MoveError(f"tenant {tenant_id} is not placed on any shard")
            active = await conn.fetchrow(
                "SELECT id, state FROM tenant_moves WHERE tenant_id = $1 AND scope = $2 "
                "AND state NOT IN ('done', 'rolled-back')",
                tenant_id, scope.value,
            )  # fmt: skip
            if active is not None:
                raise MoveError(
                    f"tenant {tenant_id} is being moved already (move {active['id']}, "
                    f"{active['state']}): resume or abort that move"
                )
            if at.shard == target:
                raise MoveError(f"tenant {tenant_id} is on {target} already")
            if self._servers.get(at.shard) == self._servers[target]:
                raise MoveError(f"{at.shard} and {target} are the same server")
            if (refusal := self._placement.refusal(self._topology, at, target)) is not None:
                raise MoveError(refusal)
            try:
                row = await conn.fetchrow(
                    "INSERT INTO tenant_moves (id, tenant_id, scope, source, target, state) "
                    "VALUES ($1, $2, $3, $4, $5, $6) RETURNING *",
                    uuid.uuid4(), tenant_id, scope.value, at.shard, target,
                    MoveState.PLANNED.value,
                )  # fmt: skip
            except asyncpg.UniqueViolationError:
                raise MoveError(
                    f"tenant {tenant_id} is being moved already: resume or abort that move"
                ) from None
        assert row is not None
        return Move.from_row(row)

    async def _advance(self, move: Move, state: MoveState, **changes: Any) -> Move:
        sets = ["state = $2", "updated_at = now()", "error = NULL"]
        args: list[Any] = [move.id, state.value]
        for column, value in changes.items():
            args.append(orjson.dumps(value).decode() if column == "report" else value)
            sets.append(f"{column} = ${len(args)}")
        async with self._directory_conn() as conn:
            row = await conn.fetchrow(
                f"UPDATE tenant_moves SET {', '.join(sets)} WHERE id = $1 RETURNING *", *args
            )
        log.info("tenant_move_step", move_id=str(move.id), state=state.value)
        return Move.from_row(row)

    async def _failed(self, move: Move, error: str) -> None:
        async with self._directory_conn() as conn:
            await conn.execute(
                "UPDATE tenant_moves SET error = $2, updated_at = now() WHERE id = $1",
                move.id, error,
            )  # fmt: skip

    # --- the shards ---------------------------------------------------------------------

    @asynccontextmanager
    async def _pair(self, move: Move, database: str) -> AsyncIterator[tuple[Any, Any]]:
        async with (
            self._connection(self._dsn(move.source, database)) as source,
            self._connection(self._dsn(move.target, database)) as target,
        ):
            yield source, target

    def _dsn(self, shard: str, database: str) -> str:
        try:
            return asyncpg_dsn(with_database(self._servers[shard], database))
        except KeyError:
            raise MoveError(f"{shard} is not a shard of the topology") from None

    async def _tables(
        self, conn: asyncpg.Connection, shard: str, database: str
    ) -> list[TenantTable]:
        dsn = self._dsn(shard, database)
        if (known := self._known_tables.get(dsn)) is not None:
            return known
        tables = await tenant_tables(conn)
        if not tables:
            raise MoveError("the database declares no tenant tables (is it migrated?)")
        if self._kept is not None:
            self._known_tables[dsn] = tables
        return tables

    async def _sync(self, move: Move, *, fenced: bool) -> tuple[int, dict[str, Any]]:
        """Rows copied, and (`fenced`) each table's tallies on both sides once synced."""
        copied, report = 0, dict[str, Any]()
        for database in self._databases:
            async with self._pair(move, database) as (source, target):
                # A tombstone of the tenant's earlier move away from the target goes first.
                async with target.transaction():
                    await target.execute(THROUGH_FENCE)
                    await target.execute(
                        "DELETE FROM tenant_fences WHERE tenant_id = $1", move.tenant_id
                    )
                synced = await sync_tables(
                    source, target, await self._tables(source, move.source, database),
                    move.tenant_id,
                    tally_first=fenced,
                )  # fmt: skip
                copied += synced.copied
                for name, (at_source, at_target) in synced.tallies.items():
                    report[f"{database}.{name}"] = {
                        "rows": at_source.rows, "checksum": at_source.checksum,
                        "target_rows": at_target.rows, "target_checksum": at_target.checksum,
                    }  # fmt: skip
        return copied, report

    async def _fence(self, move: Move, state: str) -> None:
        for database in self._databases:
            async with self._pair(move, database) as (source, _):
                await source.execute(
                    "INSERT INTO tenant_fences (tenant_id, state, moved_to) VALUES ($1, $2, $3) "
                    "ON CONFLICT (tenant_id) DO UPDATE SET state = $2, moved_to = $3",
                    move.tenant_id, state, move.target,
                )  # fmt: skip

    async def _drain(self, move: Move) -> None:
        """Wait until the source's outboxes have sent the tenant's every event."""
        deadline = time.monotonic() + self._drain_timeout
        for database in self._databases:
            async with self._pair(move, database) as (source, _):
                while await source.fetchval(
                    "SELECT count(*) FROM outbox WHERE sent_at IS NULL AND message_key = $1",
                    str(move.tenant_id),
                ):
                    if time.monotonic() > deadline:
                        raise MoveError(
                            f"the {database} outbox on {move.source} still holds unsent events "
                            "of the tenant (is its relay running?)"
                        )
                    await asyncio.sleep(0.02)

    @staticmethod
    def _verify(report: dict[str, Any] | None) -> dict[str, Any]:
        """The catch-up's tallies, taken under the fence (nothing writes the source there,
        only the mover the target): every table's counts and checksums equal."""
        if not report:
            raise MoveError("no tallies were taken under the fence")
        mismatched = [
            table for table, t in report.items()
            if (t["rows"], t["checksum"]) != (t["target_rows"], t["target_checksum"])
        ]  # fmt: skip
        if mismatched:
            raise MoveError(f"source and target differ in {', '.join(sorted(mismatched))}")
        return report

    async def _flip(self, move: Move) -> Move:
        if self._before_flip is not None:
            await self._before_flip(move)
        async with self._directory_conn() as conn, conn.transaction():
            await self._placement.record(conn, move.tenant_id, move.source, move.target)
            fence_seconds = await conn.fetchval(
                "SELECT extract(epoch FROM now() - fence_started_at) FROM tenant_moves "
                "WHERE id = $1",
                move.id,
            )
            row = await conn.fetchrow(
                "UPDATE tenant_moves SET state = $2, fence_seconds = $3, updated_at = now(), "
                "error = NULL WHERE id = $1 RETURNING *",
                move.id, MoveState.FLIPPED.value, float(fence_seconds),
            )  # fmt: skip
        log.info("tenant_move_step", move_id=str(move.id), state="flipped")
        return Move.from_row(row)

    async def _clean_up(self, move: Move) -> None:
        await self._fence(move, "moved")  # a tombstone: stale routes are refused, not served
        async with self._directory_conn() as conn:  # the grace runs from the flip
            since_flip = await conn.fetchval(
                "SELECT extract(epoch FROM now() - updated_at) FROM tenant_moves WHERE id = $1",
                move.id,
            )
        # By then every process has dropped its placement.
        await asyncio.sleep(max(0.0, self._grace_seconds - float(since_flip)))
        for database in self._databases:
            async with self._pair(move, database) as (source, _):
                tables = await self._tables(source, move.source, database)
                await delete_rows(source, tables, move.tenant_id)

    # --- running ------------------------------------------------------------------------

    async def run(self, move_id: uuid.UUID, *, stop_after: MoveState | None = None) -> Move:
        """Drive the move from its state to `done` (or to `stop_after`: a kill, for tests
        and drills). A failure is recorded on the move and raised; running it again resumes."""
        move = await self.get(move_id)
        async with self.keeping_connections():
            try:
                while move.state not in ENDED and move.state != stop_after:
                    move = await self._step(move)
            except Exception as exc:
                await self._failed(move, f"{type(exc).__name__}: {exc}")
                raise
        return move

    async def _step(self, move: Move) -> Move:
        match move.state:
            case MoveState.PLANNED:
                copied, _ = await self._sync(move, fenced=False)
                return await self._advance(move, MoveState.COPIED, rows_copied=copied)
            case MoveState.COPIED:
                await self._fence(move, "moving")
                async with self._directory_conn() as conn:
                    await conn.execute(
                        "UPDATE tenant_moves SET fence_started_at = now() WHERE id = $1", move.id
                    )
                return await self._advance(move, MoveState.FENCED)
            case MoveState.FENCED:
                await self._drain(move)
                copied, report = await self._sync(move, fenced=True)
                return await self._advance(
                    move, MoveState.CAUGHT_UP, rows_copied=move.rows_copied + copied, report=report
                )
            case MoveState.CAUGHT_UP:
                try:
                    report = self._verify(move.report)
                except MoveError:
                    await self._advance(move, MoveState.FENCED)  # catch up once more
                    raise
                return await self._advance(move, MoveState.VERIFIED, report=report)
            case MoveState.VERIFIED:
                return await self._flip(move)
            case MoveState.FLIPPED:
                await self._clean_up(move)
                return await self._advance(move, MoveState.DONE)
        raise MoveError(f"move {move.id} has ended ({move.state})")

    async def abort(self, move_id: uuid.UUID) -> Move:
        """Undo a move that has not flipped: the target's copies go, the source's fences
        lift. A flipped move is refused: the tenant lives on the target; move it back."""
        move = await self.get(move_id)
        if move.state == MoveState.ROLLED_BACK:
            return move
        if move.state not in ABORTABLE:
            raise MoveError(
                f"move {move.id} is {move.state}: the tenant lives on {move.target} now; "
                f"move it back to {move.source} instead"
            )
        for database in self._databases:
            async with self._pair(move, database) as (source, target):
                tables = await self._tables(target, move.target, database)
                await delete_rows(target, tables, move.tenant_id)
                await source.execute(
                    "DELETE FROM tenant_fences WHERE tenant_id = $1 AND state = 'moving'",
                    move.tenant_id,
                )
        return await self._advance(move, MoveState.ROLLED_BACK)
