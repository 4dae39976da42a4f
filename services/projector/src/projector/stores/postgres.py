"""The Postgres read DB: lists, search and anything the query service pages through."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import asyncpg
import orjson

from projector.projections.changes import (
    Change,
    EraseTenant,
    RecordUsage,
    RemoveUser,
    RowChange,
    UpdateInvoice,
    UpdateTenant,
    UpdateUser,
    UpsertApiKey,
    UpsertInvoice,
    UpsertSubscription,
    UpsertTenant,
    UpsertUser,
)
from projector.stores import usage_rollups
from projector.stores.positions import PositionStore
from tessera_common.db.pools import keep_session
from tessera_common.observability.database import timed_connection

_NOT_ERASED = "NOT EXISTS (SELECT 1 FROM tenants t WHERE t.id = $2 AND t.status = 'erased')"
_UPSERT_TENANT = """
INSERT INTO tenants (id, name, region, plan, currency, status, version, created_at, updated_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
ON CONFLICT (id) DO UPDATE SET
  name = EXCLUDED.name, region = EXCLUDED.region, plan = EXCLUDED.plan,
  currency = EXCLUDED.currency, status = EXCLUDED.status, version = EXCLUDED.version,
  updated_at = EXCLUDED.updated_at
WHERE tenants.version < EXCLUDED.version
"""
_UPDATE_TENANT = """
UPDATE tenants SET name = coalesce($3, name), plan = coalesce($4, plan),
  status = coalesce($5, status), version = $2, updated_at = $6
WHERE id = $1 AND version < $2 AND status <> 'erased'
"""
_ERASE_TENANT = """
INSERT INTO tenants (id, name, region, plan, currency, status, version, created_at, updated_at)
VALUES ($1, '', '', '', '', 'erased', $2, $3, $3)
ON CONFLICT (id) DO UPDATE SET name = '', status = 'erased', version = EXCLUDED.version,
  user_count = 0, updated_at = EXCLUDED.updated_at
WHERE tenants.version < EXCLUDED.version
"""
_ERASE_KEYS = "DELETE FROM api_keys WHERE tenant_id = $1 RETURNING digest"
# Every other row of the tenant; later events of it are refused by the tombstone.
_ERASE_ROWS = tuple(
    f"DELETE FROM {table} WHERE tenant_id = $1" for table in ("users", "invoices", "subscriptions")
)
_UPSERT_USER = f"""
INSERT INTO users (id, tenant_id, email, name, role, status, version, created_at)
SELECT $1, $2, $3, $4, $5, $6, $7, $8 WHERE {_NOT_ERASED}
ON CONFLICT (id) DO UPDATE SET
  email = EXCLUDED.email, name = EXCLUDED.name, role = EXCLUDED.role,
  status = EXCLUDED.status, version = EXCLUDED.version
WHERE users.version < EXCLUDED.version
"""
_UPDATE_USER = """
UPDATE users SET name = $3, role = $4, version = $2
WHERE id = $1 AND version < $2 AND status <> 'removed'
"""
_REMOVE_USER = """
UPDATE users SET email = '', name = '', status = 'removed', version = $2
WHERE id = $1 AND version < $2
"""
_UPSERT_API_KEY = f"""
INSERT INTO api_keys (id, tenant_id, digest, prefix, issued_at, revoked, version)
SELECT $1, $2, $3, $4, $5, $6, $7 WHERE {_NOT_ERASED}
ON CONFLICT (id) DO UPDATE SET revoked = EXCLUDED.revoked, version = EXCLUDED.version
WHERE api_keys.version < EXCLUDED.version
"""
_UPSERT_INVOICE = f"""
INSERT INTO invoices (id, tenant_id, period, currency, lines, total, balance, status, version,
  issued_at, due_at, updated_at)
SELECT $1, $2, $3, $4, $5::jsonb, $6, $6, 'open', $7, $8, $9, $8 WHERE {_NOT_ERASED}
ON CONFLICT (id) DO NOTHING
"""
_UPDATE_INVOICE = """
UPDATE invoices SET status = coalesce($3, status), balance = coalesce($4, balance),
  version = $2, updated_at = $5
WHERE id = $1 AND version < $2
"""
_UPSERT_SUBSCRIPTION = f"""
INSERT INTO subscriptions (id, tenant_id, plan, seats, currency, status, version, updated_at)
SELECT $1, $2, coalesce($3, ''), coalesce($4, 0), coalesce($5, ''), coalesce($6, 'active'),
  $7, $8 WHERE {_NOT_ERASED}
ON CONFLICT (id) DO UPDATE SET plan = coalesce($3, subscriptions.plan),
  seats = coalesce($4, subscriptions.seats), currency = coalesce($5, subscriptions.currency),
  status = coalesce($6, subscriptions.status), version = $7, updated_at = $8
WHERE subscriptions.version < $7
"""
# Keyed by schema too: a rebuild writing its shadow copy never waits on the live writers.
_ERASED = "SELECT 1 FROM tenants WHERE id = $1 AND status = 'erased'"
_LOCK_TENANT = "SELECT pg_advisory_xact_lock(hashtextextended(current_schema() || $1, 0))"
# A tenant's user count, from its users (every tenant's; `_RECOUNT_USERS`: those named).
_RECOUNT_ALL_USERS = """
UPDATE tenants SET user_count = (
  SELECT count(*) FROM users WHERE tenant_id = tenants.id AND status <> 'removed'
) WHERE status <> 'erased'"""
_RECOUNT_USERS = _RECOUNT_ALL_USERS + " AND id = ANY($1::uuid[])"
_TENANT_PROFILES = """
SELECT id, name, region, plan, currency, status, version, user_count, created_at, updated_at
FROM tenants WHERE id = ANY($1::uuid[])
"""
_API_KEYS = """
SELECT k.id, k.tenant_id, k.digest, k.revoked, t.region
FROM api_keys k JOIN tenants t ON t.id = k.tenant_id WHERE k.id = ANY($1::uuid[])
"""


_PROFILE = (UpsertTenant, UpdateTenant, EraseTenant, UpsertUser, UpdateUser, RemoveUser)


@dataclass
class Delta:
    """What the hot read models must mirror after a batch."""

    profiles: list[dict[str, Any]] = field(default_factory=list)
    api_keys: list[dict[str, Any]] = field(default_factory=list)
    dropped_digests: list[str] = field(default_factory=list)
    usage: usage_rollups.Totals = field(default_factory=usage_rollups.Totals)


def _statement(change: RowChange) -> tuple[str, tuple[Any, ...]]:
    match change:
        case UpsertTenant():
            return _UPSERT_TENANT, (
                change.tenant_id, change.name, change.region, change.plan, change.currency,
                change.status, change.version, change.created_at, change.updated_at,
            )  # fmt: skip
        case UpdateTenant():
            return _UPDATE_TENANT, (
                change.tenant_id, change.version, change.name, change.plan, change.status,
                change.updated_at,
            )  # fmt: skip
        case EraseTenant():
            return _ERASE_TENANT, (change.tenant_id, change.version, change.erased_at)
        case UpsertUser():
            return _UPSERT_USER, (
                change.user_id, change.tenant_id, change.email, change.name, change.role,
                change.status, change.version, change.created_at,
            )  # fmt: skip
        case UpdateUser():
            return _UPDATE_USER, (change.user_id, change.version, change.name, change.role)
        case RemoveUser():
            return _REMOVE_USER, (change.user_id, change.version)
        case UpsertInvoice():
            return _UPSERT_INVOICE, (
                change.invoice_id, change.tenant_id, change.period, change.currency,
                orjson.dumps(list(change.lines)).decode(), change.total, change.version,
                change.issued_at, change.due_at,
            )  # fmt: skip
        case UpdateInvoice():
            return _UPDATE_INVOICE, (
                change.invoice_id, change.version, change.status, change.balance,
                change.updated_at,
            )  # fmt: skip
        case UpsertSubscription():
            return _UPSERT_SUBSCRIPTION, (
                change.subscription_id, change.tenant_id, change.plan, change.seats,
                change.currency, change.status, change.version, change.updated_at,
            )  # fmt: skip
        case UpsertApiKey():
            return _UPSERT_API_KEY, (
                change.key_id, change.tenant_id, change.digest, change.prefix, change.issued_at,
                change.revoked, change.version,
            )  # fmt: skip


def _flat(statement: tuple[str, tuple[Any, ...]]) -> tuple[Any, ...]:
    sql, args = statement
    return (sql, *args)


_TABLE_OF = {
    UpsertTenant: "tenants", UpdateTenant: "tenants", UpsertUser: "users", UpdateUser: "users",
    RemoveUser: "users", UpsertApiKey: "api_keys", UpsertInvoice: "invoices",
    UpdateInvoice: "invoices", UpsertSubscription: "subscriptions",
}  # fmt: skip


class _Pending:
    """A batch's row changes, queued per table: statements on different tables commute (each
    is version-guarded on its own rows), so each table's queue runs in order as a few
    pipelined executemany calls instead of a round trip per change."""

    def __init__(self) -> None:
        self._queues: dict[str, list[tuple[str, tuple[Any, ...]]]] = {}

    def add(self, change: RowChange) -> None:
        self._queues.setdefault(_TABLE_OF[type(change)], []).append(_statement(change))

    async def flush(self, conn: asyncpg.Connection) -> None:
        for queue in self._queues.values():
            start = 0
            while start < len(queue):  # runs of one statement keep the queue's order
                sql = queue[start][0]
                end = start
                while end < len(queue) and queue[end][0] == sql:
                    end += 1
                await conn.executemany(sql, [args for _, args in queue[start:end]])
                start = end
        self._queues.clear()


class PostgresReadStore:
    def __init__(self, pool: asyncpg.Pool) -> None:
        self._pool = pool
        self._counts_behind = False  # users applied without recounting their tenants

    @classmethod
    async def connect(cls, dsn: str, pool_size: int, schema: str = "public") -> PostgresReadStore:
        """A store writing to the tables of `schema` (a rebuild's shadow), else to public's."""
        settings = {"search_path": f"{schema}, public"}
        if schema != "public":
            # A shadow writer gives up rather than wait long on a live lock: the switch-over
            # that holds the live tables then rolls back and tries again.
            settings["lock_timeout"] = "5s"
        return cls(
            await asyncpg.create_pool(
                dsn,
                min_size=1,
                max_size=pool_size,
                server_settings=settings,
                init=timed_connection("projector", "read"),
                reset=keep_session,
            )
        )

    async def apply(self, changes: Sequence[Change], *, recount: bool = True) -> Delta:
        """Apply the changes in order, in one transaction; returns what Redis must mirror.
        Without `recount`, the changed tenants' user counts (and their profiles in the
        delta) are left for `recount_users` (a rebuild counts once, at the end, instead of
        a count of each changed tenant's users per batch)."""
        delta = Delta()
        tenants = list(dict.fromkeys(c.tenant_id for c in changes))
        # Only tenant and user changes alter a profile; invoices and keys leave it as it is.
        profiled = list(dict.fromkeys(c.tenant_id for c in changes if isinstance(c, _PROFILE)))
        keys = [c.key_id for c in changes if isinstance(c, UpsertApiKey)]
        async with self._pool.acquire() as conn, conn.transaction():
            # One writer per tenant at a time: during a rebalance two workers may briefly
            # apply the same tenant's events, and each recount must see the other's rows.
            # Locks in sorted order, so two batches never wait on each other in a cycle.
            await conn.executemany(_LOCK_TENANT, [(t,) for t in sorted(str(t) for t in tenants)])
            usage: list[RecordUsage] = []
            pending = _Pending()
            for change in changes:
                if isinstance(change, RecordUsage):
                    usage.append(change)
                    continue
                if isinstance(change, EraseTenant):  # a barrier: it changes what others check
                    await pending.flush(conn)
                    await conn.execute(*_flat(_statement(change)))
                    for statement in _ERASE_ROWS:
                        await conn.execute(statement, change.tenant_id)
                    rows = await conn.fetch(_ERASE_KEYS, change.tenant_id)
                    delta.dropped_digests += [row["digest"] for row in rows]
                    await usage_rollups.erase(conn, change.tenant_id)
                    continue
                pending.add(change)
            await pending.flush(conn)
            delta.usage = await usage_rollups.record(conn, usage)
            self._counts_behind |= bool(profiled) and not recount
            if profiled and recount:
                await conn.execute(_RECOUNT_USERS, profiled)
                delta.profiles = [dict(r) for r in await conn.fetch(_TENANT_PROFILES, profiled)]
            delta.api_keys = [dict(r) for r in await conn.fetch(_API_KEYS, keys)] if keys else []
        return delta

    @property
    def positions(self) -> PositionStore:
        return PositionStore(self._pool)

    async def erased(self, tenant_id: uuid.UUID) -> bool:
        """Whether the tenant's tombstone is in the read DB (its late events change nothing)."""
        found = await self._pool.fetchval(_ERASED, tenant_id)
        return found is not None

    async def ping(self) -> None:
        await self._pool.fetchval("SELECT 1")

    async def recount_users(self) -> None:
        """Every tenant's user count, from its users, if changes were applied without."""
        if self._counts_behind:
            async with self._pool.acquire() as conn:
                await conn.execute(_RECOUNT_ALL_USERS)
            self._counts_behind = False

    async def close(self) -> None:
        await self._pool.close()
