"""Redis hot read models: tenant profiles and API-key digests, written through by the projector."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import datetime

import orjson
from redis.asyncio import Redis

from projector.stores.postgres import Delta
from tessera_common.cache_invalidation import announce
from tessera_common.read_models import (
    LIVE_USAGE_HOURS,
    api_key_digest_key,
    live_usage_key,
    recent_hours,
    tenant_profile_document,
    tenant_profile_key,
    usage_totals_key,
)

LIVE_USAGE_TTL = LIVE_USAGE_HOURS * 3600


class RedisReadStore:
    def __init__(self, redis: Redis) -> None:
        self._redis = redis

    async def write(self, delta: Delta) -> None:
        """Mirror the read DB's state after a batch (never the events themselves)."""
        async with self._redis.pipeline(transaction=False) as pipe:
            for row in delta.profiles:
                if row["status"] == "erased":
                    pipe.delete(
                        tenant_profile_key(row["id"]),
                        usage_totals_key(row["id"]),
                        *(live_usage_key(row["id"], hour) for hour in recent_hours()),
                    )
                else:
                    pipe.set(tenant_profile_key(row["id"]), tenant_profile_document(row))
            for key in delta.api_keys:
                document = {
                    "tenant_id": str(key["tenant_id"]),
                    "key_id": str(key["id"]),
                    "revoked": key["revoked"],
                    "region": key["region"],
                }
                pipe.set(api_key_digest_key(key["digest"]), orjson.dumps(document))
            for digest in delta.dropped_digests:
                pipe.delete(api_key_digest_key(digest))
            for tenant_id, months in delta.usage.items():
                pipe.hset(
                    usage_totals_key(tenant_id),
                    mapping={field: quantity for field, quantity in months.items()},
                )
            await pipe.execute()
        await announce(self._redis, [tenant_profile_key(row["id"]) for row in delta.profiles])

    async def write_live_usage(
        self, tenant_id: uuid.UUID, sums: Mapping[datetime, Mapping[str, int]]
    ) -> None:
        """Set the live counters of recent hours (absolute sums, so a replay is harmless)."""
        async with self._redis.pipeline(transaction=False) as pipe:
            for hour, meters in sums.items():
                key = live_usage_key(tenant_id, hour)
                pipe.hset(key, mapping={meter: quantity for meter, quantity in meters.items()})
                pipe.expire(key, LIVE_USAGE_TTL)
            await pipe.execute()

    async def ping(self) -> None:
        await self._redis.ping()

    async def close(self) -> None:
        await self._redis.aclose()
