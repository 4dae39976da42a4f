"""The projector group's lag over time, as the broker sees it (end minus committed offset)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

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
