"""Per-tenant rate limits by plan: GCRA in one atomic Redis script, shared by every gateway.

Headers follow the IETF draft (RateLimit-Policy, RateLimit); a refusal is a 429 problem
with Retry-After. The operator key is never limited.

While Redis does not answer, each gateway limits on its own, with the same algorithm in
process: a tenant's key sticks to one gateway at the edge, so its allowance stays about
what it was (at most one allowance per gateway it reaches), and nobody is refused or
failed for want of Redis. Counted in tessera_redis_fallbacks_total{use="rate-limit"}.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

from cachetools import TTLCache
from prometheus_client import Counter

from gateway.metering import MeterCount
from gateway.settings import PlanLimit
from tessera_common.redis_client import GuardedRedis, RedisUnavailableError

RATE_LIMITED = Counter(
    "tessera_gateway_rate_limited_total",
    "Requests refused with a 429, by the tenant's plan.",
    ["plan"],
)

# GCRA over Redis' own clock (every gateway agrees on "now"): KEYS[1] holds the tenant's
# theoretical arrival time in ms; ARGV: ms between requests at the sustained rate, burst.
# An allowed call is also counted for metering when ARGV[3] names its field (KEYS[2] the
# bucket's hash, KEYS[3] the set of open buckets, ARGV[4] the bucket): the limit and the
# count in one round trip, which halved the gateway's Redis time per request.
_GCRA = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local interval = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local tat = tonumber(redis.call('GET', KEYS[1]) or now)
if tat < now then tat = now end
local new_tat = tat + interval
local allow_at = new_tat - interval * burst
if allow_at > now then
  return {0, 0, math.ceil(allow_at - now), math.ceil(tat - now)}
end
redis.call('SET', KEYS[1], tostring(new_tat), 'PX', math.ceil(new_tat - now) + 1000)
if ARGV[3] ~= '' then
  redis.call('HINCRBY', KEYS[2], ARGV[3], 1)
  redis.call('SADD', KEYS[3], ARGV[4])
end
return {1, math.floor((now - allow_at) / interval), 0, math.ceil(new_tat - now)}
"""


@dataclass(frozen=True)
class Decision:
    allowed: bool
    plan: str
    limit: PlanLimit
    remaining: int
    retry_after_ms: int
    reset_ms: int  # until the full burst is available again

    def headers(self) -> dict[str, str]:
        """RateLimit-Policy (quota q per window w seconds) and RateLimit (remaining, reset)."""
        window = max(1, math.ceil(self.limit.burst / self.limit.rate))
        headers = {
            "RateLimit-Policy": f'"{self.plan}";q={self.limit.burst};w={window}',
            "RateLimit": f'"{self.plan}";r={self.remaining};t={math.ceil(self.reset_ms / 1000)}',
        }
        if not self.allowed:
            headers["Retry-After"] = str(max(1, math.ceil(self.retry_after_ms / 1000)))
        return headers


class RateLimiter:
    def __init__(self, redis: GuardedRedis, plans: dict[str, PlanLimit]) -> None:
        self._plans = plans
        self._redis = redis
        self._script = redis.client.register_script(_GCRA)
        self._local = LocalGcra()

    def limit_of(self, plan: str) -> PlanLimit:
        """The plan's limit; an unknown plan gets the lowest configured rate."""
        return self._plans.get(plan) or min(self._plans.values(), key=lambda p: p.rate)

    async def check(self, tenant: str, plan: str, meter: MeterCount | None = None) -> Decision:
        """Take one request from the tenant's allowance under its current plan; if it is
        allowed, count it on `meter` too (in the same script, or in process without Redis)."""
        limit = self.limit_of(plan)
        # One key per plan: a plan change starts from a full burst, not the old plan's state.
        key = f"tessera:ratelimit:{tenant}:{plan}"
        interval_ms = 1000.0 / limit.rate
        keys = [key, *(meter.redis_keys if meter else ("", ""))]
        args = [interval_ms, limit.burst, *(meter.redis_args if meter else ("", ""))]
        try:
            allowed, remaining, retry_ms, reset_ms = await self._redis.run(
                "rate-limit", partial(self._script, keys=keys, args=args)
            )
        except RedisUnavailableError:
            allowed, remaining, retry_ms, reset_ms = self._local.take(key, interval_ms, limit.burst)
            if allowed and meter:
                meter.count_locally()
        if not allowed:
            RATE_LIMITED.labels(plan).inc()
        return Decision(bool(allowed), plan, limit, int(remaining), int(retry_ms), int(reset_ms))


class LocalGcra:
    """The script above, in process, for while Redis does not answer."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        # A theoretical arrival time in the past is a full burst: entries may expire.
        self._tat: TTLCache[str, float] = TTLCache(maxsize=100_000, ttl=3600)

    def take(self, key: str, interval_ms: float, burst: int) -> tuple[int, int, int, int]:
        """(allowed, remaining, retry after ms, reset ms), as the script answers."""
        now = self._clock() * 1000
        tat = max(self._tat.get(key, now), now)
        new_tat = tat + interval_ms
        allow_at = new_tat - interval_ms * burst
        if allow_at > now:
            return 0, 0, math.ceil(allow_at - now), math.ceil(tat - now)
        self._tat[key] = new_tat
        return 1, math.floor((now - allow_at) / interval_ms), 0, math.ceil(new_tat - now)
