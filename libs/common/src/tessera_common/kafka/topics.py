"""Explicit topic creation: the broker never auto-creates Tessera's topics."""

from __future__ import annotations

import contextlib
from collections.abc import Sequence

from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import TopicAlreadyExistsError

from tessera_common.events.topics import EVENT_TOPICS, dlq_of
from tessera_common.settings import KafkaSettings

DLQ_PARTITIONS = 1
# Table windows live hours; a day of changelog is ample to restore them.
CHANGELOG_CONFIG = {"cleanup.policy": "compact,delete", "retention.ms": str(24 * 3600 * 1000)}


def tessera_topics(settings: KafkaSettings) -> list[NewTopic]:
    topics = []
    for topic in EVENT_TOPICS:
        topics.append(NewTopic(topic, settings.topic_partitions, settings.replication_factor))
        topics.append(NewTopic(dlq_of(topic), DLQ_PARTITIONS, settings.replication_factor))
    return topics


def changelog_topic(name: str, settings: KafkaSettings) -> NewTopic:
    """A stream table's changelog: co-partitioned with the event topics, compacted."""
    return NewTopic(
        name,
        settings.topic_partitions,
        settings.replication_factor,
        topic_configs=CHANGELOG_CONFIG,
    )


async def ensure_topics(settings: KafkaSettings, extra: Sequence[NewTopic] = ()) -> list[str]:
    """Create whichever of Tessera's topics (and `extra`) are missing; returns their names."""
    admin = AIOKafkaAdminClient(bootstrap_servers=settings.bootstrap_servers)
    await admin.start()
    try:
        existing = set(await admin.list_topics())
        wanted = [*tessera_topics(settings), *extra]
        missing = [t for t in wanted if t.name not in existing]
        if missing:
            with contextlib.suppress(TopicAlreadyExistsError):  # another starter won
                await admin.create_topics(missing)
        return [t.name for t in missing]
    finally:
        await admin.close()
