"""Reads of the read models: Redis first for hot documents, the read DB behind it."""

from __future__ import annotations

import contextlib
import uuid
from datetime import datetime
from functools import partial
from typing import Any

import asyncpg
import orjson

from tessera_common.cache.l1 import L1Cache
from tessera_common.observability.metrics import record_cache_lookup
from tessera_common.read_documents import encode_document, tenant_profile, tenant_profile_key
from tessera_common.redis_client import GuardedRedis, RedisUnavailableError
from tessera_common.timestamps import rfc3339

_TENANT = """
SELECT id, name, region, plan, currency, status, version, user_count, created_at, updated_at
FROM tenants WHERE id = $1 AND status <> 'erased'
"""
_USERS_PAGE = """
SELECT id, tenant_id, email, name, role, status, version, created_at FROM users
WHERE tenant_id = $1 AND status <> 'removed' AND (created_at, id) > ($2, $3)
ORDER BY created_at, id LIMIT $4
"""
_USER = """
SELECT id, tenant_id, email, name, role, status, version, created_at FROM users
WHERE tenant_id = $1 AND id = $2 AND status <> 'removed'
"""
_VERSIONS = """
SELECT id, version FROM tenants WHERE id = ANY($1::uuid[])
UNION ALL SELECT id, version FROM users WHERE id = ANY($1::uuid[])
UNION ALL SELECT id, version FROM api_keys WHERE id = ANY($1::uuid[])
UNION ALL SELECT id, version FROM invoices WHERE id = ANY($1::uuid[])
UNION ALL SELECT id, version FROM subscriptions WHERE id = ANY($1::uuid[])
UNION ALL SELECT DISTINCT batch_id, 1 FROM usage_contributions WHERE batch_id = ANY($1::uuid[])
"""
_USAGE = {
    granularity: f"""
SELECT meter, {bucket} AS start, quantity FROM usage_{table}
WHERE tenant_id = $1 AND ($2::text IS NULL OR meter = $2) AND {bucket} >= $3 AND {bucket} < $4
ORDER BY meter, {bucket}
"""
    for granularity, table, bucket in (("hour", "hourly", "hour"), ("day", "daily", "day"))
}
_INVOICED = """
SELECT currency, sum(total)::bigint AS invoiced, sum(total - balance)::bigint AS paid,
  count(*) AS invoices
FROM invoices WHERE period = $1 GROUP BY currency
"""
_SUBSCRIBED = """
SELECT plan, currency, count(*) AS subscriptions, sum(seats)::bigint AS seats
FROM subscriptions WHERE status = 'active' GROUP BY plan, currency
"""
_INVOICE_COLUMNS = """
id, tenant_id, period, currency, lines, total, balance, status, version, issued_at, due_at
"""
_INVOICES = f"""
SELECT {_INVOICE_COLUMNS} FROM invoices WHERE tenant_id = $1 AND ($2::text IS NULL OR period < $2)
ORDER BY period DESC LIMIT $3
"""
_INVOICE = f"SELECT {_INVOICE_COLUMNS} FROM invoices WHERE tenant_id = $1 AND id = $2"
_DIRECTORY = """
SELECT id, name, region, plan, currency, status, version, user_count, created_at, updated_at
FROM tenants
WHERE status <> 'erased'
  AND ($1::text IS NULL OR region = $1) AND ($2::text IS NULL OR plan = $2)
  AND ($3::text IS NULL OR status = $3)
  AND ($4::text IS NULL OR name ILIKE '%' || $4 || '%')
  AND (created_at, id) > ($5, $6)
ORDER BY created_at, id LIMIT $7
"""
_EPOCH = datetime.fromisoformat("1970-01-01T00:00:00+00:00")
_NIL = uuid.UUID(int=0)


def user_document(row: asyncpg.Record) -> dict[str, Any]:
    return {
        "user_id": str(row["id"]),
        "tenant_id": str(row["tenant_id"]),
        "email": row["email"],
        "name": row["name"],
        "role": row["role"],
        "status": row["status"],
        "version": row["version"],
        "created_at": rfc3339(row["created_at"]),
    }


class ReadModels:
    """Tenant profiles through L1 (in process), L2 (Redis), then the read DB. Redis not
    answering is an L2 miss: the read DB serves (tessera_redis_fallbacks_total)."""

    def __init__(
        self, pool: asyncpg.Pool, redis: GuardedRedis, l1: L1Cache[dict[str, Any]]
    ) -> None:
        self._pool = pool
        self._redis = redis
        self.l1 = l1

    async def tenant(self, tenant_id: uuid.UUID, *, fresh: bool = False) -> dict[str, Any] | None:
        """The profile; `fresh` (read-your-writes) reads the read DB itself."""
        key = tenant_profile_key(tenant_id)
        if not fresh:
            if (document := self.l1.get(key)) is not None:
                return document
            ticket = self.l1.ticket()
            if (cached := await self._l2_get(key)) is not None:
                record_cache_lookup("query", "l2", hit=True)
                loaded_l2: dict[str, Any] = orjson.loads(cached)
                self.l1.put(key, loaded_l2, ticket)
                return loaded_l2
            record_cache_lookup("query", "l2", hit=False)
        row = await self._pool.fetchrow(_TENANT, tenant_id)
        if row is None:
            return None
        document = tenant_profile(row)
        # NX: never overwrite a newer profile the projector wrote meanwhile.
        with contextlib.suppress(RedisUnavailableError):  # the next read fills it
            await self._redis.run(
                "l2-fill", partial(self._redis.client.set, key, encode_document(document), nx=True)
            )
        return document

    async def _l2_get(self, key: str) -> bytes | str | None:
        try:
            return await self._redis.run("l2-read", partial(self._redis.client.get, key))
        except RedisUnavailableError:
            return None

    async def users_page(
        self, tenant_id: uuid.UUID, after: tuple[datetime, uuid.UUID] | None, limit: int
    ) -> list[asyncpg.Record]:
        created_at, row_id = after or (_EPOCH, _NIL)
        return list(await self._pool.fetch(_USERS_PAGE, tenant_id, created_at, row_id, limit))

    async def user(self, tenant_id: uuid.UUID, user_id: uuid.UUID) -> asyncpg.Record | None:
        row: asyncpg.Record | None = await self._pool.fetchrow(_USER, tenant_id, user_id)
        return row

    async def directory(
        self,
        *,
        region: str | None,
        plan: str | None,
        status: str | None,
        name_like: str | None,
        after: tuple[datetime, uuid.UUID] | None,
        limit: int,
    ) -> list[asyncpg.Record]:
        """Tenants of every shard, oldest first; `name_like` is a LIKE-escaped substring."""
        created_at, row_id = after or (_EPOCH, _NIL)
        return list(
            await self._pool.fetch(
                _DIRECTORY, region, plan, status, name_like, created_at, row_id, limit
            )
        )

    async def invoices(
        self, tenant_id: uuid.UUID, before: str | None, limit: int
    ) -> list[asyncpg.Record]:
        """Newest period first; `before` pages on to older periods."""
        return list(await self._pool.fetch(_INVOICES, tenant_id, before, limit))

    async def invoice(self, tenant_id: uuid.UUID, invoice_id: uuid.UUID) -> asyncpg.Record | None:
        row: asyncpg.Record | None = await self._pool.fetchrow(_INVOICE, tenant_id, invoice_id)
        return row

    async def invoiced(self, period: str) -> list[asyncpg.Record]:
        """Per currency: invoiced and paid amounts of one month's invoices."""
        return list(await self._pool.fetch(_INVOICED, period))

    async def subscribed(self) -> list[asyncpg.Record]:
        """Active subscriptions and seats per plan and currency."""
        return list(await self._pool.fetch(_SUBSCRIBED))

    async def usage(
        self,
        tenant_id: uuid.UUID,
        meter: str | None,
        start: datetime,
        end: datetime,
        granularity: str,
    ) -> list[asyncpg.Record]:
        """Rollup rows of one granularity ("hour" or "day") in [start, end)."""
        return list(await self._pool.fetch(_USAGE[granularity], tenant_id, meter, start, end))

    async def applied(self, versions: dict[uuid.UUID, int]) -> bool:
        """Whether the read DB holds at least these aggregate versions."""
        rows = await self._pool.fetch(_VERSIONS, list(versions))
        found = {row["id"]: row["version"] for row in rows}
        return all(found.get(aggregate, 0) >= version for aggregate, version in versions.items())

    async def ping(self) -> None:
        """The read DB answers (without it nothing can be served)."""
        await self._pool.fetchval("SELECT 1")

    async def ping_l2(self) -> None:
        await self._redis.client.ping()


def invoice_document(row: asyncpg.Record) -> dict[str, Any]:
    """Amounts in integer minor units of `currency`."""
    return {
        "invoice_id": str(row["id"]),
        "tenant_id": str(row["tenant_id"]),
        "period": row["period"],
        "currency": row["currency"],
        "lines": orjson.loads(row["lines"]),
        "total": row["total"],
        "balance": row["balance"],
        "status": row["status"],
        "version": row["version"],
        "issued_at": rfc3339(row["issued_at"]),
        "due_at": rfc3339(row["due_at"]),
    }
