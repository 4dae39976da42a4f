"""A circuit breaker per upstream pool: closed, open (fail fast), half-open (one probe).

Hand-written rather than pybreaker, aiobreaker or purgatory, on purpose: those wrap one
call and count the exceptions it raises, while a pool's failure is an outcome of its
whole attempt (every instance tried, within the retry budget, found none answering)
and a 5xx is an answer, not a failure. pybreaker's async support needs Tornado,
aiobreaker has had no release since 2021, and purgatory's breakers live behind its own
unit of work and message bus; none knows the time left open, which Retry-After reports.
"""

from __future__ import annotations

import asyncio
import time
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from enum import IntEnum

from prometheus_client import Gauge

CIRCUIT_STATE = Gauge(
    "tessera_gateway_circuit_state",
    "Circuit breaker state per upstream pool: 0 closed, 1 open, 2 half-open.",
    ["upstream"],
)


class BreakerState(IntEnum):
    CLOSED = 0
    OPEN = 1
    HALF_OPEN = 2


@dataclass(frozen=True)
class _Probe:
    started_at: float
    task: weakref.ref[asyncio.Task[object]] | None  # the task that carries it, if any


class CircuitBreaker:
    """Opens after `failures` requests in a row found no instance answering.

    Only transport failures count (refused, reset, timed out): a 5xx is an answer, and a
    shard that is down must fail its own tenants, not open the pool for everyone.

    The half-open probe always ends: one whose outcome is never recorded (its task was
    cancelled, or it raised something other than a transport error) is lost as soon as
    its task is done, or `probe_seconds` after it started, and the next request probes.
    """

    def __init__(
        self,
        upstream: str,
        failures: int,
        open_seconds: float,
        clock: Callable[[], float] = time.monotonic,
        *,
        probe_seconds: float | None = None,
    ) -> None:
        self.upstream = upstream
        self._threshold = failures
        self._open_seconds = open_seconds
        self._probe_seconds = open_seconds if probe_seconds is None else probe_seconds
        self._clock = clock
        self._failures = 0
        self._opened_at = 0.0
        self._probe: _Probe | None = None
        self._set(BreakerState.CLOSED)

    @property
    def state(self) -> BreakerState:
        if self._state is BreakerState.OPEN and self.retry_after() == 0:
            self._set(BreakerState.HALF_OPEN)
            self._probe = None
        return self._state

    def allow(self) -> bool:
        """Whether a request may go upstream now; half-open lets one probe through."""
        state = self.state
        if state is BreakerState.HALF_OPEN and not self._probe_in_flight():
            self._probe = _Probe(self._clock(), _current_task())
            return True
        return state is BreakerState.CLOSED

    def retry_after(self) -> float:
        """Seconds until the breaker lets a probe through (0 when it would now)."""
        return max(0.0, self._opened_at + self._open_seconds - self._clock())

    def record_success(self) -> None:
        self._failures = 0
        self._probe = None
        self._set(BreakerState.CLOSED)

    def record_failure(self) -> None:
        self._failures += 1
        if self._state is BreakerState.HALF_OPEN or self._failures >= self._threshold:
            self._opened_at = self._clock()
            self._probe = None
            self._set(BreakerState.OPEN)

    def _probe_in_flight(self) -> bool:
        probe = self._probe
        if probe is None:
            return False
        task = probe.task() if probe.task is not None else None
        ended = probe.task is not None and (task is None or task.done())
        if ended or self._clock() - probe.started_at >= self._probe_seconds:
            self._probe = None  # lost without an outcome: the next request probes
            return False
        return True

    def _set(self, state: BreakerState) -> None:
        self._state = state
        CIRCUIT_STATE.labels(self.upstream).set(int(state))


def _current_task() -> weakref.ref[asyncio.Task[object]] | None:
    try:
        task = asyncio.current_task()
    except RuntimeError:  # no running event loop: a synchronous caller
        return None
    return weakref.ref(task) if task is not None else None
