"""Reads of every place that holds a tenant's data: the shards, the read DB, Redis, the
query API through the gateway, and the consumer lag."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
import httpx
import orjson
from redis.asyncio import Redis

from harness.views import TenantView
from harness.workload import METER
from tessera_common.db.urls import asyncpg_dsn, with_database
from tessera_common.read_documents import api_key_digest_key, tenant_profile_key, usage_totals_key

Rows = list[dict[str, Any]]


async def _fetch(dsn: str, queries: Iterable[tuple[str, tuple[object, ...]]]) -> list[Rows]:
    conn = await asyncpg.connect(asyncpg_dsn(dsn), timeout=10)
    try:
        return [[dict(r) for r in await conn.fetch(sql, *args)] for sql, args in queries]
    finally:
        await conn.close()


def _views(tenant_ids: list[str]) -> dict[str, TenantView]:
    return {tenant_id: TenantView() for tenant_id in tenant_ids}


def _fill(views: dict[str, TenantView], tenants: Rows, users: Rows, keys: Rows) -> None:
    for row in tenants:
        view = views[str(row["id"])]
        view.name, view.version = row["name"], row["version"]
        view.user_count = row.get("user_count")
    for row in users:
        views[str(row["tenant_id"])].users.append((str(row["id"]), row["email"]))
    for row in keys:
        views[str(row["tenant_id"])].key_ids.append(str(row["id"]))


async def shard_views(servers: dict[str, str], tenant_ids: list[str]) -> dict[str, TenantView]:
    """The write side: every shard's accounts and usage databases."""
    ids = [uuid.UUID(t) for t in tenant_ids]
    views = _views(tenant_ids)
    for server in servers.values():
        tenants, users, keys = await _fetch(with_database(server, "accounts"), [
            ("SELECT id, name, version FROM tenants WHERE id = ANY($1)", (ids,)),
            ("SELECT id, tenant_id, email FROM users WHERE tenant_id = ANY($1)", (ids,)),
            ("SELECT id, tenant_id FROM api_keys WHERE tenant_id = ANY($1)", (ids,)),
        ])  # fmt: skip
        _fill(views, tenants, users, keys)
        (records,) = await _fetch(with_database(server, "usage"), [(
            "SELECT tenant_id, event_id, quantity FROM usage_records "
            "WHERE tenant_id = ANY($1) AND meter = $2", (ids, METER),
        )])  # fmt: skip
        for row in records:
            view = views[str(row["tenant_id"])]
            view.usage_events.append(str(row["event_id"]))
            view.usage_total += row["quantity"]
    for view in views.values():  # what every read model's count should say
        view.user_count = len(view.users) if view.name is not None else None
    return views


async def read_db_views(read_db_url: str, tenant_ids: list[str]) -> dict[str, TenantView]:
    ids = [uuid.UUID(t) for t in tenant_ids]
    since = datetime.now(UTC) - timedelta(days=2)
    views = _views(tenant_ids)
    tenants, users, keys, usage = await _fetch(read_db_url, [
        ("SELECT id, name, version, user_count FROM tenants WHERE id = ANY($1)", (ids,)),
        ("SELECT id, tenant_id, email FROM users WHERE tenant_id = ANY($1)", (ids,)),
        ("SELECT id, tenant_id FROM api_keys WHERE tenant_id = ANY($1)", (ids,)),
        ("SELECT tenant_id, sum(quantity)::bigint AS total FROM usage_hourly WHERE "
         "tenant_id = ANY($1) AND meter = $2 AND hour >= $3 GROUP BY tenant_id",
         (ids, METER, since)),
    ])  # fmt: skip
    _fill(views, tenants, users, keys)
    for row in usage:
        views[str(row["tenant_id"])].usage_total = int(row["total"])
    return views


async def redis_views(redis_url: str, tenant_ids: list[str]) -> dict[str, TenantView]:
    """Profiles and monthly usage totals as Redis holds them."""
    views = _views(tenant_ids)
    client = Redis.from_url(redis_url, socket_timeout=5)
    try:
        for tenant_id, view in views.items():
            profile = await client.get(tenant_profile_key(tenant_id))
            if profile is not None:
                document = orjson.loads(profile)
                view.name, view.version = document["name"], document["version"]
                view.user_count = document["user_count"]
            months = await client.hgetall(usage_totals_key(tenant_id))
            view.usage_total = sum(
                int(v) for f, v in months.items() if _text(f).endswith(f"/{METER}")
            )
    finally:
        await client.aclose()
    return views


async def redis_digests(redis_url: str, digests: list[str]) -> set[str]:
    """The API key digests Redis can resolve (the gateway's key lookups)."""
    client = Redis.from_url(redis_url, socket_timeout=5)
    try:
        found = [await client.exists(api_key_digest_key(d)) for d in digests]
    finally:
        await client.aclose()
    return {d for d, present in zip(digests, found, strict=True) if present}


async def api_views(
    http: httpx.AsyncClient, operator: dict[str, str], tenant_ids: list[str]
) -> dict[str, TenantView]:
    """The query API through the edge and the gateway, as the operator reads it (a tenant
    any of whose reads is refused shows as absent: not converged yet)."""
    views = _views(tenant_ids)
    for tenant_id in tenant_ids:
        try:
            views[tenant_id] = await _api_view(http, operator, tenant_id)
        except _RefusedError:
            continue
    return views


class _RefusedError(Exception):
    pass


async def _get(http: httpx.AsyncClient, path: str, headers: dict[str, str], **params: str) -> Any:
    response = await http.get(path, headers=headers, params=params)
    if response.status_code != 200:
        raise _RefusedError(path)
    return response.json()


async def _api_view(
    http: httpx.AsyncClient, operator: dict[str, str], tenant_id: str
) -> TenantView:
    path = f"/v1/tenants/{tenant_id}"
    body = await _get(http, path, operator)
    view = TenantView(name=body["name"], version=body["version"], user_count=body["user_count"])
    cursor: str | None = None
    while True:
        page = await _get(
            http, f"{path}/users", operator, limit="200", **({"cursor": cursor} if cursor else {})
        )
        view.users += [(u["user_id"], u["email"]) for u in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    usage = await _get(http, f"{path}/usage", operator, meter=METER)
    view.usage_total = int(usage["totals"].get(METER, 0))
    return view


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value
