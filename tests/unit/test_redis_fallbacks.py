"""What the gateway and the query service do while Redis does not answer, without I/O."""

from __future__ import annotations

import pytest
from redis.exceptions import ConnectionError as RedisConnectionError

from gateway.local_meter import LocalCallCounts, SealedCount
from gateway.metering import RECORDS_PER_POST, TENANTS_PER_POST, metered_posts
from gateway.ratelimit import LocalGcra
from tessera_common.redis_client import GuardedRedis, RedisUnavailableError


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


class Calls:
    """A stand-in for Redis calls: fails while `down`, counts what reached it."""

    def __init__(self) -> None:
        self.down = False
        self.reached = 0

    async def __call__(self) -> str:
        self.reached += 1
        if self.down:
            raise RedisConnectionError("Connection refused")
        return "answer"


async def test_a_failure_falls_back_and_skips_redis_for_a_moment_then_tries_again() -> None:
    clock, calls = Clock(), Calls()
    guarded = GuardedRedis(None, "unit", pause=1.0, clock=clock)  # type: ignore[arg-type]
    calls.down = True
    with pytest.raises(RedisUnavailableError):
        await guarded.run("unit", calls)
    with pytest.raises(RedisUnavailableError):
        await guarded.run("unit", calls)  # within the pause: not even tried
    assert (calls.reached, guarded.out) == (1, True)
    calls.down = False
    clock.now += 1.0
    assert await guarded.run("unit", calls) == "answer"
    assert (calls.reached, guarded.out) == (2, False)


def test_the_local_limiter_allows_a_burst_then_the_sustained_rate() -> None:
    clock = Clock()
    limiter = LocalGcra(clock)
    interval_ms, burst = 100.0, 3  # 10 requests/s, bursts of 3
    taken = [limiter.take("t:free", interval_ms, burst)[0] for _ in range(4)]
    assert taken == [1, 1, 1, 0]
    allowed, _, retry_ms, _ = limiter.take("t:free", interval_ms, burst)
    assert (allowed, retry_ms) == (0, 100)
    clock.now += 0.1
    assert limiter.take("t:free", interval_ms, burst)[0] == 1
    assert limiter.take("other:free", interval_ms, burst)[0] == 1  # one allowance per key


async def test_local_counts_go_once_and_a_failed_send_goes_again_with_the_same_sequence() -> None:
    counts = LocalCallCounts()
    for _ in range(3):
        counts.count("tenant-a", "eu-west", 60)
    counts.count("tenant-b", "apac", 60)
    sent: list[SealedCount] = []

    async def refuse(sealed: list[SealedCount]) -> bool:
        sent.extend(sealed)
        return False

    async def accept(sealed: list[SealedCount]) -> bool:
        sent.extend(sealed)
        return True

    assert await counts.flush(refuse) == 0
    counts.count("tenant-a", "eu-west", 60)  # after the seal: a later flush's
    assert await counts.flush(accept) == 5
    first, again = sent[:2], sent[2:4]
    assert again == first  # the same counts under the same sequence: the same event ids
    assert {(s.tenant, s.calls) for s in first} == {("tenant-a", 3), ("tenant-b", 1)}
    (later,) = sent[4:]
    assert (later.calls, later.sequence != first[0].sequence) == (1, True)
    assert await counts.flush(accept) == 0  # nothing left


def test_a_tenant_counted_in_several_flushes_goes_once_per_post_with_all_its_records() -> None:
    """A flush that went again after a failure holds a tenant twice (its sealed counts and the
    later ones): the usage service refuses a body naming a tenant twice."""
    entries = [("tenant-a", "eu-west", {"n": 1}), ("tenant-b", "apac", {"n": 2}),
               ("tenant-a", "eu-west", {"n": 3})]  # fmt: skip
    (body,) = metered_posts(entries)
    assert body["tenants"] == [
        {"tenant_id": "tenant-a", "region": "eu-west", "records": [{"n": 1}, {"n": 3}]},
        {"tenant_id": "tenant-b", "region": "apac", "records": [{"n": 2}]},
    ]


def test_metered_posts_keep_within_the_usage_services_limits() -> None:
    many = [(f"tenant-{n}", "apac", {"n": n}) for n in range(TENANTS_PER_POST + 1)]
    assert [len(b["tenants"]) for b in metered_posts(many)] == [TENANTS_PER_POST, 1]
    heavy = [("big", "apac", {"n": n}) for n in range(RECORDS_PER_POST - 1)]
    heavy += [("small", "apac", {"n": 0}), ("small", "apac", {"n": 1})]
    bodies = list(metered_posts(heavy))
    assert [[t["tenant_id"] for t in b["tenants"]] for b in bodies] == [["big"], ["small"]]
    every = [r for b in bodies for t in b["tenants"] for r in t["records"]]
    assert len(every) == len(heavy)
