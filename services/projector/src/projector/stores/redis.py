"""Redis hot read models: tenant profiles and API-key digests, written through by the projector."""

from __future__ import annotations

import orjson
from redis.asyncio import Redis

from projector.stores.postgres import Delta
from tessera_common.cache_invalidation import announce
from tessera_common.read_models import (
    api_key_digest_key,
    tenant_profile_document,
    tenant_profile_key,
)


class RedisReadStore:
    def __init__(self, redis: Redis) -> None:
        self._redis = redis

    async def write(self, delta: Delta) -> None:
        """Mirror the read DB's state after a batch (never the events themselves)."""
        async with self._redis.pipeline(transaction=False) as pipe:
            for row in delta.profiles:
                if row["status"] == "erased":
                    pipe.delete(tenant_profile_key(row["id"]))
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
            await pipe.execute()
        await announce(self._redis, [tenant_profile_key(row["id"]) for row in delta.profiles])

    async def ping(self) -> None:
        await self._redis.ping()

    async def close(self) -> None:
        await self._redis.aclose()
