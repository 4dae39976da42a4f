"""The Postgres read DB: lists, search and anything the query service pages through."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

import asyncpg

from projector.projections.changes import Change, UpsertApiKey, UpsertTenant, UpsertUser

_UPSERT_TENANT = """
INSERT INTO tenants (id, name, region, plan, currency, status, version, created_at, updated_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
ON CONFLICT (id) DO UPDATE SET
  name = EXCLUDED.name, region = EXCLUDED.region, plan = EXCLUDED.plan,
  currency = EXCLUDED.currency, status = EXCLUDED.status, version = EXCLUDED.version,
  updated_at = EXCLUDED.updated_at
WHERE tenants.version < EXCLUDED.version
"""
_UPSERT_USER = """
INSERT INTO users (id, tenant_id, email, name, role, status, version, created_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
ON CONFLICT (id) DO UPDATE SET
  email = EXCLUDED.email, name = EXCLUDED.name, role = EXCLUDED.role,
  status = EXCLUDED.status, version = EXCLUDED.version
WHERE users.version < EXCLUDED.version
"""
_UPSERT_API_KEY = """
INSERT INTO api_keys (id, tenant_id, digest, prefix, issued_at, revoked, version)
VALUES ($1, $2, $3, $4, $5, $6, $7)
ON CONFLICT (id) DO UPDATE SET revoked = EXCLUDED.revoked, version = EXCLUDED.version
WHERE api_keys.version < EXCLUDED.version
"""
_RECOUNT_USERS = """
UPDATE tenants SET user_count = (SELECT count(*) FROM users WHERE tenant_id = tenants.id)
WHERE id = ANY($1::uuid[])
"""
_TENANT_PROFILES = """
SELECT id, name, region, plan, currency, status, version, user_count, created_at, updated_at
FROM tenants WHERE id = ANY($1::uuid[])
"""


def _args(change: Change) -> tuple[str, tuple[Any, ...]]:
    match change:
        case UpsertTenant():
            return _UPSERT_TENANT, (
                change.tenant_id,
                change.name,
                change.region,
                change.plan,
                change.currency,
                change.status,
                change.version,
                change.created_at,
                change.updated_at,
            )
        case UpsertUser():
            return _UPSERT_USER, (
                change.user_id,
                change.tenant_id,
                change.email,
                change.name,
                change.role,
                change.status,
                change.version,
                change.created_at,
            )
        case UpsertApiKey():
            return _UPSERT_API_KEY, (
                change.key_id,
                change.tenant_id,
                change.digest,
                change.prefix,
                change.issued_at,
                change.revoked,
                change.version,
            )


class PostgresReadStore:
    def __init__(self, pool: asyncpg.Pool) -> None:
        self._pool = pool

    @classmethod
    async def connect(cls, dsn: str, pool_size: int) -> PostgresReadStore:
        return cls(await asyncpg.create_pool(dsn, min_size=1, max_size=pool_size))

    async def apply(self, changes: Sequence[Change]) -> list[dict[str, Any]]:
        """Apply the changes in one transaction; returns the profiles of touched tenants."""
        touched_users = {c.tenant_id for c in changes if isinstance(c, UpsertUser)}
        touched = list({c.tenant_id for c in changes} if changes else set())
        async with self._pool.acquire() as conn, conn.transaction():
            for change in changes:
                sql, args = _args(change)
                await conn.execute(sql, *args)
            if touched_users:
                await conn.execute(_RECOUNT_USERS, list(touched_users))
            rows = await conn.fetch(_TENANT_PROFILES, touched)
        return [dict(row) for row in rows]

    async def ping(self) -> None:
        await self._pool.fetchval("SELECT 1")

    async def close(self) -> None:
        await self._pool.close()

    async def tenant_ids(self) -> list[uuid.UUID]:
        return [row["id"] for row in await self._pool.fetch("SELECT id FROM tenants")]
