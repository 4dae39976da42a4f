"""Probes of every component, each answering a state and never a secret (no DSN, no error)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from urllib.parse import urlsplit

import asyncpg
import httpx
from redis.asyncio import Redis

from tessera_common.db.urls import asyncpg_dsn, with_database

PROBE_TIMEOUT_SECONDS = 2.0
_PLACEMENTS = "SELECT shard, count(*) AS tenants FROM tenant_placements GROUP BY shard"


async def _state(probe: Callable[[], Awaitable[str]]) -> str:
    try:
        return await asyncio.wait_for(probe(), PROBE_TIMEOUT_SECONDS)
    except Exception:
        return "down"


async def service_state(client: httpx.AsyncClient, base_url: str) -> str:
    """ready, degraded, not-ready (from its /readyz) or down."""

    async def probe() -> str:
        response = await client.get(f"{base_url}/readyz")
        return str(response.json().get("status", "down"))

    return await _state(probe)


async def postgres_state(server_url: str) -> str:
    async def probe() -> str:
        conn = await asyncpg.connect(asyncpg_dsn(with_database(server_url, "postgres")))
        try:
            await conn.fetchval("SELECT 1")
        finally:
            await conn.close()
        return "up"

    return await _state(probe)


async def redis_state(redis: Redis) -> str:
    async def probe() -> str:
        await redis.ping()
        return "up"

    return await _state(probe)


async def kafka_state(bootstrap_servers: str) -> str:
    """Up when a bootstrap broker accepts a connection."""

    async def probe() -> str:
        for address in bootstrap_servers.split(","):
            host, _, port = address.strip().rpartition(":")
            try:
                _, writer = await asyncio.open_connection(host, int(port))
            except OSError:
                continue
            writer.close()
            await writer.wait_closed()
            return "up"
        return "down"

    return await _state(probe)


async def tenants_per_shard(directory_url: str, shards: Sequence[str]) -> dict[str, int | None]:
    """Tenants the directory places on each shard (None when the directory is down)."""

    async def count() -> dict[str, int]:
        conn = await asyncpg.connect(asyncpg_dsn(directory_url))
        try:
            return {row["shard"]: int(row["tenants"]) for row in await conn.fetch(_PLACEMENTS)}
        finally:
            await conn.close()

    try:
        counts = await asyncio.wait_for(count(), PROBE_TIMEOUT_SECONDS)
    except Exception:
        return dict.fromkeys(shards)
    return {shard: counts.get(shard, 0) for shard in shards}


def address_of(url: str) -> str:
    """host:port of a server URL, without its credentials."""
    parts = urlsplit(url)
    return f"{parts.hostname}:{parts.port}" if parts.port else str(parts.hostname)
