"""Write-behind metering: each tenant's API calls are counted in Redis per minute bucket,
and a background flusher sends them in batches to the usage service as `api_calls`.

A call is counted in Redis before its response leaves, so a gateway that dies loses
nothing; the flusher seals the open buckets under a sequence number and derives each
record's event id from (tenant, bucket, instance, sequence), so a flush repeated after a
crash is deduplicated by the usage service. Counts show up within one flush interval.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from datetime import UTC, datetime
from typing import Any

import structlog
from redis.asyncio import Redis

from gateway.upstreams import UpstreamPool, UpstreamUnavailableError
from tessera_common.auth.internal_token import Caller
from tessera_common.timestamps import rfc3339

BUCKET_SECONDS = 60
EVENT_IDS = uuid.UUID("6f1d7a52-3f0e-4c1b-9a57-4b7e0c2d9e11")  # namespace of metered event ids
log = structlog.get_logger()

# Moves every open bucket of this instance to a sealed key named with this flush's sequence,
# atomically with respect to the counting transactions.
_SEAL = """
for _, bucket in ipairs(redis.call('SMEMBERS', KEYS[1])) do
  local open = ARGV[1] .. 'open:' .. bucket
  if redis.call('EXISTS', open) == 1 then
    local sealed = ARGV[1] .. 'sealed:' .. bucket .. ':' .. ARGV[2]
    redis.call('RENAME', open, sealed)
    redis.call('SADD', KEYS[2], sealed)
  end
  redis.call('SREM', KEYS[1], bucket)
end
return redis.call('SMEMBERS', KEYS[2])
"""


def event_id(tenant: str, bucket: int, instance: str, sequence: int) -> uuid.UUID:
    """The same flush of the same count always carries the same id."""
    return uuid.uuid5(EVENT_IDS, f"{tenant}/{bucket}/{instance}/{sequence}")


class CallMeter:
    def __init__(self, redis: Redis, instance: str, usage: UpstreamPool) -> None:
        self._redis = redis
        self._instance = instance
        self._usage = usage
        self._prefix = f"tessera:meter:{instance}:"
        self._seal = redis.register_script(_SEAL)

    async def count(self, tenant_id: uuid.UUID, region: str, now: float) -> None:
        """One API call of the tenant, in the current minute's bucket."""
        bucket = int(now // BUCKET_SECONDS) * BUCKET_SECONDS
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.hincrby(f"{self._prefix}open:{bucket}", f"{tenant_id}|{region}", 1)
            pipe.sadd(f"{self._prefix}open", bucket)
            await pipe.execute()

    async def flush(self) -> int:
        """Send every sealed bucket (earlier leftovers too); the calls sent."""
        sequence = await self._redis.incr(f"{self._prefix}sequence")
        sealed = await self._seal(
            keys=[f"{self._prefix}open", f"{self._prefix}sealed"], args=[self._prefix, sequence]
        )
        sent = 0
        for raw in sorted(sealed):
            key = _text(raw)
            sent += await self._flush_sealed(key)
        return sent

    async def _flush_sealed(self, key: str) -> int:
        _, bucket, sequence = key.rsplit(":", 2)
        counts = await self._redis.hgetall(key)
        by_tenant: dict[tuple[str, str], int] = defaultdict(int)
        for field, value in counts.items():
            tenant, region = _text(field).split("|", 1)
            by_tenant[(tenant, region)] += int(value)
        delivered = True
        for (tenant, region), calls in by_tenant.items():
            record = _record(event_id(tenant, int(bucket), self._instance, int(sequence)),
                             int(bucket), calls)  # fmt: skip
            delivered &= await self._send(tenant, region, record)
        if delivered:
            async with self._redis.pipeline(transaction=True) as pipe:
                pipe.delete(key)
                pipe.srem(f"{self._prefix}sealed", key)
                await pipe.execute()
        return sum(by_tenant.values()) if delivered else 0

    async def _send(self, tenant: str, region: str, record: dict[str, Any]) -> bool:
        """True once the usage service has the record (or refuses it for good)."""
        caller = Caller("gateway-meter", operator=False, tenant_id=uuid.UUID(tenant), region=region)
        try:
            response = await self._usage.post_json("/v1/usage", {"records": [record]}, caller)
        except UpstreamUnavailableError:
            return False
        if response.status_code >= 500:
            return False
        if response.status_code >= 400:  # e.g. an erased tenant: retrying will not help
            log.warning("metering record refused", tenant_id=tenant, status=response.status_code)
        return True


def _record(event: uuid.UUID, bucket: int, calls: int) -> dict[str, Any]:
    occurred = rfc3339(datetime.fromtimestamp(bucket, UTC))
    return {
        "event_id": str(event),
        "meter": "api_calls",
        "quantity": calls,
        "occurred_at": occurred,
    }


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value
