"""Probes of every component, each answering a state and never a secret (no DSN, no error)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping, Sequence
from urllib.parse import urlsplit

import asyncpg
import httpx
from redis.asyncio import Redis

from tessera_common.db.topology import read_topology
from tessera_common.db.urls import asyncpg_dsn, with_database
from tessera_common.sharding.topology import ShardTopology

PROBE_TIMEOUT_SECONDS = 2.0
_PLACEMENTS = (
    "SELECT region, shard, count(*) AS tenants FROM tenant_placements GROUP BY region, shard"
)


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


async def shard_topology(directory_url: str) -> ShardTopology | None:
    """The newest shard topology in the directory; None when it cannot be read."""
    try:
        return await asyncio.wait_for(read_topology(directory_url), PROBE_TIMEOUT_SECONDS)
    except Exception:
        return None


async def tenants_per_region_and_shard(
    directory_url: str, regions: Mapping[str, Sequence[str]]
) -> dict[str, dict[str, int | None]]:
    """Tenants the directory places on each shard, per region: regions that share a shard
    count only their own tenants there, and a shard outside a region's group that holds
    some of its tenants (moved or isolated there) is listed with them (None everywhere when
    the directory is down)."""

    async def count() -> dict[tuple[str, str], int]:
        conn = await asyncpg.connect(asyncpg_dsn(directory_url))
        try:
            rows = await conn.fetch(_PLACEMENTS)
        finally:
            await conn.close()
        return {(row["region"], row["shard"]): int(row["tenants"]) for row in rows}

    try:
        counts: Mapping[tuple[str, str], int | None] = await asyncio.wait_for(
            count(), PROBE_TIMEOUT_SECONDS
        )
    except Exception:
        return {region: dict.fromkeys(shards) for region, shards in regions.items()}
    held = {(region, shard) for region, shard in counts if region in regions}
    return {
        region: {
            shard: counts.get((region, shard), 0)
            for shard in sorted({*shards, *(s for r, s in held if r == region)})
        }
        for region, shards in regions.items()
    }


def address_of(url: str) -> str:
    """host:port of a server URL, without its credentials."""
    parts = urlsplit(url)
    return f"{parts.hostname}:{parts.port}" if parts.port else str(parts.hostname)
