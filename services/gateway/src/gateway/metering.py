"""Write-behind metering: each tenant's API calls are counted in Redis per minute bucket,
and a background flusher sends them in batches to the usage service as `api_calls`.

A call is counted in Redis before its response leaves, so a gateway that dies loses
nothing; the flusher seals the open buckets under a sequence number and derives each
record's event id from (tenant, bucket, instance, sequence), so a flush repeated after a
crash is deduplicated by the usage service. Counts show up within one flush interval.

While Redis does not answer, calls are counted in process (gateway.local_meter) and sent
by the same flusher, so metering never fails a request.
"""

from __future__ import annotations

import asyncio
import uuid
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import structlog

from gateway.local_meter import LocalCallCounts, SealedCount
from gateway.upstreams import UpstreamPool, UpstreamUnavailableError
from tessera_common.auth.internal_token import Caller
from tessera_common.redis_client import GuardedRedis, RedisUnavailableError
from tessera_common.timestamps import rfc3339

BUCKET_SECONDS = 60
METERED_PATH = "/internal/usage/metered"
TENANTS_PER_POST, RECORDS_PER_POST = 1_000, 10_000  # the usage service's limits per request
YIELD_EVERY = 100  # records built between two turns of the event loop
# The flusher acts for every tenant at once: the operator's scope, under its own name.
METER_CALLER = Caller("gateway-meter", operator=True)
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


def event_id(tenant: str, bucket: int, instance: str, sequence: int | str) -> uuid.UUID:
    """The same flush of the same count always carries the same id."""
    return uuid.uuid5(EVENT_IDS, f"{tenant}/{bucket}/{instance}/{sequence}")


@dataclass(frozen=True)
class MeterCount:
    """One call to count, and where."""

    meter: CallMeter
    tenant: str
    region: str
    bucket: int

    @property
    def redis_keys(self) -> tuple[str, str]:
        return self.meter.open_keys(self.bucket)

    @property
    def redis_args(self) -> tuple[str, int]:
        return f"{self.tenant}|{self.region}", self.bucket

    def count_locally(self) -> None:
        self.meter.count_locally(self)


class CallMeter:
    def __init__(self, redis: GuardedRedis, instance: str, usage: UpstreamPool) -> None:
        self._redis = redis
        self._instance = instance
        self._usage = usage
        self._prefix = f"tessera:meter:{instance}:"
        self._seal = redis.client.register_script(_SEAL)
        self._local = LocalCallCounts()

    def call(self, tenant_id: uuid.UUID, region: str, now: float) -> MeterCount:
        """Where one API call of the tenant counts: its current minute's bucket. The rate
        limiter counts it there once it lets the call through."""
        bucket = int(now // BUCKET_SECONDS) * BUCKET_SECONDS
        return MeterCount(self, str(tenant_id), region, bucket)

    def count_locally(self, count: MeterCount) -> None:
        self._local.count(count.tenant, count.region, count.bucket)

    def open_keys(self, bucket: int) -> tuple[str, str]:
        """The bucket's hash of counts and the set of open buckets."""
        return f"{self._prefix}open:{bucket}", f"{self._prefix}open"

    async def flush(self) -> int:
        """Send what was counted in process, then every sealed bucket (earlier leftovers
        too); the calls sent. Redis being out leaves its buckets for the next flush."""
        sent = await self._local.flush(self._send_local)
        try:
            return sent + await self._redis.run("metering-flush", self._flush_redis)
        except RedisUnavailableError:
            return sent

    async def _send_local(self, sealed: list[SealedCount]) -> bool:
        return await self._deliver([
            (count.tenant, count.region,
             _record(event_id(count.tenant, count.bucket, self._instance, count.sequence),
                     count.bucket, count.calls))
            for count in sealed
        ])  # fmt: skip

    async def _flush_redis(self) -> int:
        sequence = await self._redis.client.incr(f"{self._prefix}sequence")
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
        counts = await self._redis.client.hgetall(key)
        by_tenant: dict[tuple[str, str], int] = defaultdict(int)
        for field, value in counts.items():
            tenant, region = _text(field).split("|", 1)
            by_tenant[(tenant, region)] += int(value)
        entries = []
        for index, ((tenant, region), calls) in enumerate(by_tenant.items(), 1):
            event = event_id(tenant, int(bucket), self._instance, int(sequence))
            entries.append((tenant, region, _record(event, int(bucket), calls)))
            if index % YIELD_EVERY == 0:
                # Thousands of tenants a flush: the requests this gateway serves meanwhile
                # wait for the loop, so let them in now and then.
                await asyncio.sleep(0)
        if not await self._deliver(entries):
            return 0
        async with self._redis.client.pipeline(transaction=True) as pipe:
            pipe.delete(key)
            pipe.srem(f"{self._prefix}sealed", key)
            await pipe.execute()
        return sum(by_tenant.values())

    async def _deliver(self, entries: list[tuple[str, str, dict[str, Any]]]) -> bool:
        """True once the usage service has every record (or refuses one for good), posted
        for many tenants at once: one request per flush, not one per tenant."""
        for payload in metered_posts(entries):
            try:
                response = await self._usage.post_json(METERED_PATH, payload, METER_CALLER)
            except UpstreamUnavailableError:
                return False
            if response.status >= 500:
                return False
            if response.status >= 400:  # the whole request refused: retrying will not help
                log.warning("metering records refused", status=response.status,
                            tenants=len(payload["tenants"]))  # fmt: skip
                continue
            for outcome in response.json()["tenants"]:
                if outcome.get("refused"):  # e.g. a record older than the retention
                    log.warning("metering record refused", tenant_id=outcome["tenant_id"],
                                reason=outcome["refused"])  # fmt: skip
        return True


def metered_posts(entries: list[tuple[str, str, dict[str, Any]]]) -> Iterator[dict[str, Any]]:
    """The bodies of POST /internal/usage/metered for (tenant, region, record) entries: each
    tenant once per body with all its records, within the service's limits per request."""
    by_tenant: dict[str, tuple[str, list[dict[str, Any]]]] = {}  # a tenant has one region
    for tenant, region, record in entries:
        by_tenant.setdefault(tenant, (region, []))[1].append(record)
    chunk: list[dict[str, Any]] = []
    records = 0
    for tenant, (region, mine) in by_tenant.items():
        if chunk and (len(chunk) == TENANTS_PER_POST or records + len(mine) > RECORDS_PER_POST):
            yield {"tenants": chunk}
            chunk, records = [], 0
        chunk.append({"tenant_id": tenant, "region": region, "records": mine})
        records += len(mine)
    if chunk:
        yield {"tenants": chunk}


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
