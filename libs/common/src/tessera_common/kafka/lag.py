"""A group's lag as the broker sees it (the gauge it feeds is in kafka/policies)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient

from tessera_common.settings import KafkaSettings


@dataclass(frozen=True)
class PartitionOffsets:
    committed: int  # 0 for a partition the group never committed
    end: int

    @property
    def lag(self) -> int:
        return max(self.end - self.committed, 0)


class GroupLag:
    """Lag of a whole group, seen from the broker: end offset minus committed offset.

    It needs nothing from the group's members, so it works for consumers whose client
    hides its positions (Faust) and counts partitions no live member holds.
    """

    def __init__(self, kafka: KafkaSettings, group: str, topics: Sequence[str]) -> None:
        self.group = group
        self._topics = list(topics)
        self._bootstrap = kafka.bootstrap_servers
        self._clients: tuple[AIOKafkaAdminClient, AIOKafkaConsumer] | None = None

    async def measure(self) -> dict[TopicPartition, int]:
        """Lag per partition of the group's topics (a partition never committed counts whole)."""
        return {tp: offsets.lag for tp, offsets in (await self.offsets()).items()}

    async def offsets(self) -> dict[TopicPartition, PartitionOffsets]:
        """The group's committed offset and the end offset of every partition of its topics."""
        admin, offsets = await self._connected()
        described = await admin.describe_topics(self._topics)
        partitions = [
            TopicPartition(topic["topic"], p["partition"])
            for topic in described
            for p in topic["partitions"]
        ]
        ends = await offsets.end_offsets(partitions)
        committed = await admin.list_consumer_group_offsets(self.group, partitions=partitions)
        found = {}
        for tp in partitions:
            done = committed.get(tp)
            at = done.offset if done is not None and done.offset >= 0 else 0
            found[tp] = PartitionOffsets(committed=at, end=ends[tp])
        return found

    async def _connected(self) -> tuple[AIOKafkaAdminClient, AIOKafkaConsumer]:
        """Clients made inside the running event loop, on first use."""
        if self._clients is None:
            admin = AIOKafkaAdminClient(bootstrap_servers=self._bootstrap)
            offsets = AIOKafkaConsumer(bootstrap_servers=self._bootstrap)
            await admin.start()
            await offsets.start()
            self._clients = (admin, offsets)
        return self._clients

    async def close(self) -> None:
        if self._clients is not None:
            admin, offsets = self._clients
            await offsets.stop()
            await admin.close()
