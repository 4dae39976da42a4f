"""Whether the worker moves its partitions forward: what readiness and the watchdog judge.

A worker is stalled when the broker, answering, shows events waiting on the worker's
partitions while the group's committed offsets on them have not moved, and no batch is
being applied, for a while; or when a rebalance has not ended for that long. A batch
held up by a store outage is not a stall (it resumes when the store does), and neither
is a broker that does not answer (nothing would be learnt by restarting).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

# Evidence older than this (several lag probes missed) judges nothing.
FRESH_SECONDS = 20.0


@dataclass(frozen=True)
class Stall:
    seconds: float
    reason: str


@dataclass
class Progress:
    clock: Callable[[], float] = time.monotonic
    _in_flight: int = field(default=0, init=False)
    _busy_at: float = field(default=float("-inf"), init=False)
    _measured_at: float | None = field(default=None, init=False)
    _committed: int | None = field(default=None, init=False)
    _moved_at: float = field(default=float("-inf"), init=False)
    _lag: int = field(default=0, init=False)
    _lagging_since: float | None = field(default=None, init=False)
    _rebalancing_since: float | None = field(default=None, init=False)

    @contextmanager
    def applying(self) -> Iterator[None]:
        """Around each batch an agent applies (however long its stores take)."""
        self._in_flight += 1
        try:
            yield
        finally:
            self._in_flight -= 1
            self._busy_at = self.clock()

    def observe(self, *, committed: int, lag: int, rebalancing: bool) -> None:
        """One probe of the broker: the group's committed offsets and lag summed over this
        worker's partitions, and whether a rebalance is under way."""
        now = self.clock()
        self._measured_at = now
        if committed != self._committed:
            self._committed, self._moved_at = committed, now
        self._lag = lag
        self._lagging_since = (self._lagging_since or now) if lag > 0 else None
        self._rebalancing_since = (self._rebalancing_since or now) if rebalancing else None

    def stall(self) -> Stall | None:
        """How long the worker has been stalled, and why; None while it is not."""
        now = self.clock()
        if self._measured_at is None or now - self._measured_at > FRESH_SECONDS:
            return None
        if self._rebalancing_since is not None:
            return Stall(now - self._rebalancing_since, "a rebalance has not ended")
        if self._lagging_since is None or self._in_flight:
            return None
        since = max(self._lagging_since, self._moved_at, self._busy_at)
        return Stall(now - since, f"{self._lag} events wait and no offset was committed")

    def stalled_for(self, threshold: float) -> Stall | None:
        """The stall, once it has lasted `threshold` seconds."""
        found = self.stall()
        return found if found is not None and found.seconds >= threshold else None
