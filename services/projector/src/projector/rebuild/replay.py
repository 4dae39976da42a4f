"""Replaying a topic from offset 0 through the same pure projections the live worker uses."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from aiokafka import AIOKafkaConsumer, TopicPartition

from projector.projector import triage
from projector.stores.postgres import PostgresReadStore
from tessera_common.settings import KafkaSettings

# Events fetched at once, and applied in one transaction (each partition's in order).
BATCH = 5_000
Offsets = dict[TopicPartition, int]


@dataclass
class Replayed:
    events: int = 0
    rejected: int = 0  # poison events: the live worker dead-lettered them already


class TopicReplay:
    """A consumer outside any group, so replaying moves no live worker's offsets."""

    def __init__(self, kafka: KafkaSettings, topic: str) -> None:
        self.topic = topic
        self._consumer = AIOKafkaConsumer(
            topic,  # subscribed only until start() has fetched its metadata
            bootstrap_servers=kafka.bootstrap_servers,
            enable_auto_commit=False,
            isolation_level="read_committed",
        )

    async def __aenter__(self) -> TopicReplay:
        await self._consumer.start()
        try:
            self._consumer.unsubscribe()
            partitions = self._consumer.partitions_for_topic(self.topic) or set()
            if not partitions:
                raise LookupError(f"topic {self.topic} does not exist")
            self.partitions = [TopicPartition(self.topic, p) for p in sorted(partitions)]
            self._consumer.assign(self.partitions)
            await self._consumer.seek_to_beginning(*self.partitions)
        except BaseException:
            await self._consumer.stop()
            raise
        return self

    async def __aexit__(self, *_: object) -> None:
        await self._consumer.stop()

    async def end_offsets(self) -> Offsets:
        ends: Offsets = await self._consumer.end_offsets(self.partitions)
        return ends

    async def remaining(self, until: Offsets) -> int:
        behind = 0
        for tp in self.partitions:
            behind += max(0, until[tp] - await self._consumer.position(tp))
        return behind

    async def apply_until(
        self,
        until: Offsets,
        store: PostgresReadStore,
        on_progress: Callable[[int], None] = lambda _: None,
        *,
        recount: bool = True,
    ) -> Replayed:
        """Apply every event before the `until` offsets, each partition in order: what one
        fetch brought, of every partition, in one transaction (a tenant's events are all
        in one partition, so their order holds). `recount`: see PostgresReadStore.apply."""
        done = Replayed()
        while await self.remaining(until):
            fetched = await self._consumer.getmany(timeout_ms=500, max_records=BATCH)
            changes, events = [], 0
            for tp, messages in fetched.items():
                wanted = [m.value for m in messages if m.offset < until[tp] and m.value is not None]
                projected, rejected = triage(self.topic, wanted)
                changes += [change for p in projected for change in p.changes]
                events += len(wanted)
                done.rejected += len(rejected)
                if messages and messages[-1].offset >= until[tp]:
                    self._consumer.seek(tp, until[tp])
            if changes:
                await store.apply(changes, recount=recount)
            done.events += events
            on_progress(events)
        return done
