"""A circuit breaker per upstream pool: closed, open (fail fast), half-open (one probe)."""

from __future__ import annotations

import time
from collections.abc import Callable
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


class CircuitBreaker:
    """Opens after `failures` requests in a row found no instance answering.

    Only transport failures count (refused, reset, timed out): a 5xx is an answer, and a
    shard that is down must fail its own tenants, not open the pool for everyone.
    """

    def __init__(
        self,
        upstream: str,
        failures: int,
        open_seconds: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.upstream = upstream
        self._threshold = failures
        self._open_seconds = open_seconds
        self._clock = clock
        self._failures = 0
        self._opened_at = 0.0
        self._probing = False
        self._set(BreakerState.CLOSED)

    @property
    def state(self) -> BreakerState:
        if self._state is BreakerState.OPEN and self.retry_after() == 0:
            self._set(BreakerState.HALF_OPEN)
            self._probing = False
        return self._state

    def allow(self) -> bool:
        """Whether a request may go upstream now; half-open lets one probe through."""
        state = self.state
        if state is BreakerState.HALF_OPEN and not self._probing:
            self._probing = True
            return True
        return state is BreakerState.CLOSED

    def retry_after(self) -> float:
        """Seconds until the breaker lets a probe through (0 when it would now)."""
        return max(0.0, self._opened_at + self._open_seconds - self._clock())

    def record_success(self) -> None:
        self._failures = 0
        self._probing = False
        self._set(BreakerState.CLOSED)

    def record_failure(self) -> None:
        self._failures += 1
        if self._state is BreakerState.HALF_OPEN or self._failures >= self._threshold:
            self._opened_at = self._clock()
            self._probing = False
            self._set(BreakerState.OPEN)

    def _set(self, state: BreakerState) -> None:
        self._state = state
        CIRCUIT_STATE.labels(self.upstream).set(int(state))
