"""Consumer lag as the broker sees it (end minus committed offset): the projector's over
time, and every consumer group's before a measurement starts (the stack is quiet)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

from accounts.app.choreography import CONSUMER as ACCOUNTS_CHOREOGRAPHY
from billing.app.choreography import CONSUMER as BILLING_CHOREOGRAPHY
from projector.settings import WorkerSettings
from tessera_common.events.topics import ACCOUNTS_EVENTS, BILLING_EVENTS, USAGE_EVENTS
from tessera_common.kafka.lag import GroupLag
from tessera_common.settings import KafkaSettings
from tessera_stack.layout import StackLayout

TOPICS = (ACCOUNTS_EVENTS, BILLING_EVENTS, USAGE_EVENTS)


@dataclass
class LagSamples:
    """(seconds since the first sample, messages behind) pairs, per topic and in total."""

    started: float = field(default_factory=time.monotonic)
    points: list[dict[str, float]] = field(default_factory=list)

    def add(self, lags: dict[str, int]) -> None:
        self.points.append({"t": round(time.monotonic() - self.started, 2), **lags})

    @property
    def peak(self) -> int:
        return int(max((p["total"] for p in self.points), default=0))

    @property
    def last(self) -> int:
        return int(self.points[-1]["total"]) if self.points else 0


class ProjectorLag:
    def __init__(self, layout: StackLayout) -> None:
        kafka = KafkaSettings(bootstrap_servers=layout.kafka_bootstrap)
        self._group = GroupLag(kafka, WorkerSettings().group_id, list(TOPICS))

    async def measure(self) -> dict[str, int]:
        per_partition = await self._group.measure()
        lags = {topic: 0 for topic in TOPICS}
        for tp, lag in per_partition.items():
            lags[tp.topic] += lag
        return {**lags, "total": sum(lags.values())}

    @asynccontextmanager
    async def sampling(self, every: float = 0.5) -> AsyncIterator[LagSamples]:
        """Sample in the background while the block runs."""
        samples = LagSamples()

        async def sample() -> None:
            while True:
                samples.add(await self.measure())
                await asyncio.sleep(every)

        task = asyncio.create_task(sample())
        try:
            yield samples
        finally:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)

    async def drained(self, samples: LagSamples, within: float, every: float = 0.5) -> float | None:
        """Seconds until the lag reaches 0 (sampled into `samples`), or None if it did not."""
        started = time.monotonic()
        while time.monotonic() - started < within:
            lags = await self.measure()
            samples.add(lags)
            if lags["total"] == 0:
                return time.monotonic() - started
            await asyncio.sleep(every)
        return None

    async def close(self) -> None:
        await self._group.close()


async def settle(
    layout: StackLayout, progress: Callable[[str], None], within: float = 600
) -> float | None:
    """Seconds until no consumer group has anything left to do (None if it still had after
    `within`): work queued by what ran before (a fixture's thousands of new tenants, which
    billing subscribes and the projector shows) must not be measured as the next step's."""
    kafka = KafkaSettings(bootstrap_servers=layout.kafka_bootstrap)
    groups = [
        GroupLag(kafka, WorkerSettings().group_id, list(TOPICS)),
        GroupLag(kafka, BILLING_CHOREOGRAPHY, [ACCOUNTS_EVENTS, USAGE_EVENTS]),
        GroupLag(kafka, ACCOUNTS_CHOREOGRAPHY, [BILLING_EVENTS]),
    ]
    started = time.monotonic()
    reported = 0.0
    try:
        while True:
            behind = {g.group: sum((await g.measure()).values()) for g in groups}
            if not any(behind.values()):
                return time.monotonic() - started
            if time.monotonic() - started >= within:
                progress(f"  the consumers did not settle within {within:.0f}s: {behind}")
                return None
            if time.monotonic() - reported >= 5:
                reported = time.monotonic()
                waiting = ", ".join(f"{group} {n:,}" for group, n in behind.items() if n)
                progress(f"  waiting for the consumers to settle: {waiting} behind")
            await asyncio.sleep(0.5)
    finally:
        for group in groups:
            await group.close()
