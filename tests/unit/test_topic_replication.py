"""The topics job sizes replication to the cluster it finds."""

import pytest

from tessera_common.events.topics import EVENT_TOPICS
from tessera_common.kafka.provisioning import Replication, replication_for, tessera_topics
from tessera_common.settings import KafkaSettings


@pytest.mark.parametrize(
    ("brokers", "expected"),
    [
        (1, Replication(1, 1)),
        (2, Replication(1, 1)),
        (3, Replication(3, 2)),
        (5, Replication(3, 2)),
    ],
)
def test_replication_follows_the_broker_count(brokers: int, expected: Replication) -> None:
    assert replication_for(brokers) == expected


def test_fitted_topics_carry_their_min_insync_replicas() -> None:
    topics = tessera_topics(KafkaSettings(), Replication(3, 2))
    assert len(topics) == 2 * len(EVENT_TOPICS)
    assert {t.replication_factor for t in topics} == {3}
    assert {t.topic_configs["min.insync.replicas"] for t in topics} == {"2"}


def test_configured_replication_without_a_cluster_to_fit() -> None:
    topics = tessera_topics(KafkaSettings(replication_factor=1))
    assert {t.replication_factor for t in topics} == {1}
    assert all(not t.topic_configs for t in topics)
