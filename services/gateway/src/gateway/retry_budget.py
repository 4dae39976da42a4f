"""A retry budget: retries stay under a share of the requests over a sliding window."""

from __future__ import annotations

import math
import time
from collections import deque
from collections.abc import Callable

from prometheus_client import Counter

RETRIES = Counter(
    "tessera_gateway_retries_total",
    "Retries of idempotent requests on another instance, spent or denied by the budget.",
    ["upstream", "outcome"],
)


class RetryBudget:
    """Allows `min_retries` + `ratio` x requests retries per `window` seconds, so a failing
    upstream sees at most that much extra load instead of a retry storm."""

    def __init__(
        self,
        upstream: str,
        ratio: float,
        window: float,
        min_retries: int,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.upstream = upstream
        self._ratio = ratio
        self._window = window
        self._min = min_retries
        self._clock = clock
        self._requests: deque[float] = deque()
        self._retries: deque[float] = deque()

    def record_request(self) -> None:
        self._requests.append(self._clock())

    def try_spend(self) -> bool:
        """Take one retry from the budget; False (and counted as denied) when it is spent."""
        now = self._clock()
        for times in (self._requests, self._retries):
            while times and times[0] <= now - self._window:
                times.popleft()
        allowed = self._min + math.floor(self._ratio * len(self._requests))
        if len(self._retries) >= allowed:
            RETRIES.labels(self.upstream, "denied").inc()
            return False
        self._retries.append(now)
        RETRIES.labels(self.upstream, "spent").inc()
        return True
