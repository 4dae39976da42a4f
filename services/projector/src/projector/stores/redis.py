"""Redis hot read models: tenant profiles and API-key digests, written through by the projector."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import datetime

import orjson
from redis.asyncio import Redis

from projector.stores.postgres import Delta
from tessera_common.cache.invalidation import announce
from tessera_common.read_documents import (
    LIVE_USAGE_HOURS,
    api_key_digest_key,
    erasure_marker_key,
    live_usage_key,
    recent_hours,
    tenant_profile_document,
    tenant_profile_key,
    usage_rollups_key,
    usage_totals_key,
)

LIVE_USAGE_TTL = LIVE_USAGE_HOURS * 3600
# Live counters are written apart from the erasure (another topic, another agent): an
# erasure leaves a marker for as long as counters live, and a counter write checks it in
# the same atomic step, so no counter outlives the erasure whatever the interleaving.
_WRITE_UNLESS_ERASED = """
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
for i = 2, #KEYS do
  local at = 2 + (i - 2) * 2
  redis.call('HSET', KEYS[i], ARGV[at], ARGV[at + 1])
  redis.call('EXPIRE', KEYS[i], ARGV[1])
end
return 1
"""


class RedisReadStore:
    def __init__(self, redis: Redis) -> None:
        self._redis = redis
        self._write_unless_erased = redis.register_script(_WRITE_UNLESS_ERASED)

    async def write(self, delta: Delta) -> None:
        """Mirror the read DB's state after a batch (never the events themselves)."""
        async with self._redis.pipeline(transaction=False) as pipe:
            for row in delta.profiles:
                if row["status"] == "erased":
                    pipe.set(erasure_marker_key(row["id"]), 1, ex=LIVE_USAGE_TTL)
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
            for tenant_id, months in delta.usage.months.items():
                pipe.hset(
                    usage_totals_key(tenant_id),
                    mapping={field: quantity for field, quantity in months.items()},
                )
            for tenant_id, hours in delta.usage.recent_hours.items():
                # Absolute sums, so a replay is harmless; none for an erased tenant.
                keys, args = _live_usage(tenant_id, hours)
                await self._write_unless_erased(keys, args, client=pipe)
            await pipe.execute()
        await announce(self._redis, _changed_keys(delta))

    async def ping(self) -> None:
        await self._redis.ping()

    async def close(self) -> None:
        await self._redis.aclose()


def _changed_keys(delta: Delta) -> list[str]:
    """The read-model keys readers keep answers under: the profiles a batch changed, and the
    tenants whose usage rollups it changed (an erased tenant's usage is gone too)."""
    erased = [row["id"] for row in delta.profiles if row["status"] == "erased"]
    usage = dict.fromkeys([*delta.usage.months, *delta.usage.recent_hours, *erased])
    return [tenant_profile_key(row["id"]) for row in delta.profiles] + [
        usage_rollups_key(tenant_id) for tenant_id in usage
    ]


def _live_usage(
    tenant_id: uuid.UUID, sums: Mapping[datetime, Mapping[str, int]]
) -> tuple[list[str], list[str | int]]:
    """The keys and arguments of _WRITE_UNLESS_ERASED for a tenant's recent hours."""
    keys: list[str] = [erasure_marker_key(tenant_id)]
    args: list[str | int] = [LIVE_USAGE_TTL]
    for hour, meters in sums.items():
        for meter, quantity in meters.items():
            keys.append(live_usage_key(tenant_id, hour))
            args += [meter, quantity]
    return keys, args
