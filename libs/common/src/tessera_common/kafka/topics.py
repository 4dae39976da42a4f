"""Explicit topic creation: the broker never auto-creates Tessera's topics."""

from __future__ import annotations

import contextlib

from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import TopicAlreadyExistsError

from tessera_common.events.topics import EVENT_TOPICS, dlq_of
from tessera_common.settings import KafkaSettings

DLQ_PARTITIONS = 1


def tessera_topics(settings: KafkaSettings) -> list[NewTopic]:
    topics = []
    for topic in EVENT_TOPICS:
        topics.append(NewTopic(topic, settings.topic_partitions, settings.replication_factor))
        topics.append(NewTopic(dlq_of(topic), DLQ_PARTITIONS, settings.replication_factor))
    return topics


async def ensure_topics(settings: KafkaSettings) -> list[str]:
    """Create whichever topics are missing; returns the names created."""
    admin = AIOKafkaAdminClient(bootstrap_servers=settings.bootstrap_servers)
    await admin.start()
    try:
        existing = set(await admin.list_topics())
        missing = [t for t in tessera_topics(settings) if t.name not in existing]
        if missing:
            with contextlib.suppress(TopicAlreadyExistsError):  # another starter won
                await admin.create_topics(missing)
        return [t.name for t in missing]
    finally:
        await admin.close()
