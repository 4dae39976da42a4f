"""The circuit breaker always recovers: a probe that never reports is lost, not kept."""

from __future__ import annotations

import asyncio

import aiohttp
import pytest

from gateway.breaker import BreakerState, CircuitBreaker
from gateway.settings import ResilienceSettings
from gateway.upstreams import UpstreamPool, UpstreamResponse, UpstreamUnavailableError


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def state_of(breaker: CircuitBreaker) -> BreakerState:
    return breaker.state  # read afresh: mypy narrows a property across calls


def half_open(clock: Clock) -> CircuitBreaker:
    breaker = CircuitBreaker("unit", failures=1, open_seconds=5, clock=clock)
    breaker.record_failure()
    clock.now += 5
    assert breaker.state is BreakerState.HALF_OPEN
    return breaker


async def test_a_cancelled_probe_lets_the_next_request_probe() -> None:
    breaker = half_open(Clock())
    started = asyncio.Event()

    async def probe() -> None:
        assert breaker.allow()
        started.set()
        await asyncio.Event().wait()  # the upstream never answers; the client goes away

    task = asyncio.create_task(probe())
    await started.wait()
    assert not breaker.allow()  # one probe at a time, while it is in flight
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert breaker.allow()  # the lost probe's task is done: this request probes
    breaker.record_success()
    assert breaker.state is BreakerState.CLOSED


async def test_a_probe_that_raised_something_unexpected_lets_the_next_request_probe() -> None:
    breaker = half_open(Clock())

    async def probe() -> None:
        assert breaker.allow()
        raise RuntimeError("a bug, not a transport failure")

    with pytest.raises(RuntimeError):
        await asyncio.create_task(probe())
    assert breaker.allow()


def test_a_probe_that_never_reports_is_lost_after_probe_seconds() -> None:
    """Also when its caller lives on (no task, or a loop that swallowed the error)."""
    clock = Clock()
    breaker = half_open(clock)
    assert breaker.allow()
    clock.now += 4.9
    assert not breaker.allow()
    clock.now += 0.1
    assert breaker.allow()
    assert breaker.state is BreakerState.HALF_OPEN


class Upstream:
    """An upstream in place of the pool's HTTP exchange: down, hanging, broken or healthy."""

    def __init__(self) -> None:
        self.mode = "down"

    async def __call__(
        self, method: str, url: str, headers: dict[str, str], body: bytes
    ) -> UpstreamResponse:
        match self.mode:
            case "down":
                raise aiohttp.ClientConnectionError("refused")
            case "hanging":
                await asyncio.Event().wait()
            case "broken":
                raise RuntimeError("unexpected")
        return UpstreamResponse(200, ((b"content-type", b"application/json"),), b'{"ok":true}')


async def test_a_pool_whose_probe_was_cancelled_serves_again_once_the_upstream_is_back() -> None:
    """The reported case: the probe cancelled, the upstream healthy, no 'circuit open' after."""
    upstream = Upstream()
    resilience = ResilienceSettings(breaker_failures=1, breaker_open_seconds=0.05)
    timeout = aiohttp.ClientTimeout(total=1.0)
    pool = UpstreamPool("unit", ["http://unit"], lambda _: "", timeout=timeout,
                        resilience=resilience)  # fmt: skip
    pool._request = upstream  # type: ignore[method-assign]

    def send() -> asyncio.Task[UpstreamResponse]:
        return asyncio.create_task(
            pool.send("GET", "/", query=b"", headers={}, body=b"", idempotent=True)
        )

    with pytest.raises(UpstreamUnavailableError):
        await send()
    assert pool.breaker.state is BreakerState.OPEN
    await asyncio.sleep(0.06)
    upstream.mode = "hanging"
    probe = send()
    await asyncio.sleep(0.01)
    probe.cancel()
    with pytest.raises(asyncio.CancelledError):
        await probe
    upstream.mode = "broken"
    with pytest.raises(RuntimeError):
        await send()
    upstream.mode = "healthy"
    assert (await send()).status == 200
    assert state_of(pool.breaker) is BreakerState.CLOSED
    await pool.aclose()
