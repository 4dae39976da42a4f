"""Explicit topic creation: the broker never auto-creates Tessera's topics.

`python -m tessera_common.kafka.provisioning` is the deployment job: it sizes replication to
the brokers it finds, so one file serves a single broker and a three-broker cluster.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Sequence
from dataclasses import dataclass

from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import TopicAlreadyExistsError

from tessera_common.events.topics import EVENT_TOPICS, dlq_of
from tessera_common.settings import KafkaSettings

DLQ_PARTITIONS = 1
# Three copies survive one broker lost with writes still acknowledged by two (acks=all).
HA_REPLICATION_FACTOR = 3


@dataclass(frozen=True)
class Replication:
    factor: int
    min_insync: int


def replication_for(brokers: int) -> Replication:
    """Replication a cluster of `brokers` can hold: 3 copies, 2 in sync, once there are 3."""
    if brokers >= HA_REPLICATION_FACTOR:
        return Replication(HA_REPLICATION_FACTOR, HA_REPLICATION_FACTOR - 1)
    return Replication(1, 1)


def tessera_topics(
    settings: KafkaSettings, replication: Replication | None = None
) -> list[NewTopic]:
    """Every event topic and its dead-letter topic (settings' replication unless given)."""
    factor = replication.factor if replication else settings.replication_factor
    configs = {"min.insync.replicas": str(replication.min_insync)} if replication else None
    topics = []
    for topic in EVENT_TOPICS:
        topics.append(NewTopic(topic, settings.topic_partitions, factor, topic_configs=configs))
        topics.append(NewTopic(dlq_of(topic), DLQ_PARTITIONS, factor, topic_configs=configs))
    return topics


async def ensure_topics(
    settings: KafkaSettings, extra: Sequence[NewTopic] = (), *, fit_to_cluster: bool = False
) -> list[str]:
    """Create whichever of Tessera's topics (and `extra`) are missing; returns their names.

    With `fit_to_cluster`, replication follows the number of brokers (`replication_for`)
    instead of the configured factor.
    """
    admin = AIOKafkaAdminClient(bootstrap_servers=settings.bootstrap_servers)
    await admin.start()
    try:
        replication = None
        if fit_to_cluster:
            brokers = (await admin.describe_cluster())["brokers"]
            replication = replication_for(len(brokers))
        existing = set(await admin.list_topics())
        wanted = [*tessera_topics(settings, replication), *extra]
        missing = [t for t in wanted if t.name not in existing]
        if missing:
            with contextlib.suppress(TopicAlreadyExistsError):  # another starter won
                await admin.create_topics(missing)
        return [t.name for t in missing]
    finally:
        await admin.close()


if __name__ == "__main__":
    print("created:", asyncio.run(ensure_topics(KafkaSettings(), fit_to_cluster=True)))
