"""Redis hot read models: tenant profiles and API-key digests, written through by the projector."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import orjson
from redis.asyncio import Redis

from projector.projections.changes import Change, UpsertApiKey
from tessera_common.read_models import (
    api_key_digest_key,
    tenant_profile_document,
    tenant_profile_key,
)


class RedisReadStore:
    def __init__(self, redis: Redis) -> None:
        self._redis = redis

    async def write(self, profiles: Iterable[Mapping[str, Any]], changes: Iterable[Change]) -> None:
        async with self._redis.pipeline(transaction=False) as pipe:
            for row in profiles:
                pipe.set(tenant_profile_key(row["id"]), tenant_profile_document(row))
            for change in changes:
                if isinstance(change, UpsertApiKey):
                    document = {
                        "tenant_id": str(change.tenant_id),
                        "key_id": str(change.key_id),
                        "revoked": change.revoked,
                    }
                    pipe.set(api_key_digest_key(change.digest), orjson.dumps(document))
            await pipe.execute()

    async def ping(self) -> None:
        await self._redis.ping()

    async def close(self) -> None:
        await self._redis.aclose()
