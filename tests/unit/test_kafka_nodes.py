"""The local stack's Kafka: one KRaft node by default, three with KAFKA_BROKERS=3."""

from __future__ import annotations

from pathlib import Path

import pytest

from tessera_stack.kafka import KafkaBroker
from tessera_stack.layout import BROKERS_FILE, StackLayout, kafka_broker_count
from tessera_stack.stack import LocalStack


def rendered(layout: StackLayout, node: int = 0) -> dict[str, str]:
    broker = KafkaBroker(layout, layout.kafka_nodes[node])
    broker.render_config()
    lines = broker.config.read_text().splitlines()
    return dict(line.split("=", 1) for line in lines if "=" in line and not line.startswith("#"))


def test_one_node_by_default(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("KAFKA_BROKERS", raising=False)
    layout = StackLayout(root=tmp_path, kafka_brokers=1)
    config = rendered(layout)
    assert config["node.id"] == "1"
    assert config["controller.quorum.voters"] == f"1@127.0.0.1:{layout.kafka_controller_port}"
    assert config["offsets.topic.replication.factor"] == "1"
    assert config["min.insync.replicas"] == "1"
    assert layout.kafka_bootstrap == f"127.0.0.1:{layout.kafka_port}"
    assert KafkaBroker(layout).process.name == "kafka"


def test_three_nodes_hold_three_copies_two_in_sync(tmp_path: Path) -> None:
    layout = StackLayout(root=tmp_path, kafka_brokers=3)
    configs = [rendered(layout, n) for n in range(3)]
    assert [c["node.id"] for c in configs] == ["1", "2", "3"]
    assert len({c["controller.quorum.voters"] for c in configs}) == 1
    assert configs[0]["controller.quorum.voters"].count("@") == 3
    assert {c["default.replication.factor"] for c in configs} == {"3"}
    assert {c["min.insync.replicas"] for c in configs} == {"2"}
    assert {c["offsets.topic.replication.factor"] for c in configs} == {"3"}
    assert len(layout.ports) == len(set(layout.ports))
    assert layout.kafka_bootstrap.count(",") == 2
    assert [b.node.name for b in LocalStack(layout).brokers] == ["kafka", "kafka-2", "kafka-3"]


def test_the_broker_count_is_remembered(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("KAFKA_BROKERS", raising=False)
    assert kafka_broker_count(tmp_path) == 1
    (tmp_path / ".run").mkdir()
    (tmp_path / ".run" / BROKERS_FILE).write_text("3")
    assert kafka_broker_count(tmp_path) == 3
    monkeypatch.setenv("KAFKA_BROKERS", "1")
    assert kafka_broker_count(tmp_path) == 1


def test_a_one_broker_log_is_not_grown_into_three(tmp_path: Path) -> None:
    layout = StackLayout(root=tmp_path, kafka_brokers=3)
    (tmp_path / ".run" / "kafka" / "data").mkdir(parents=True)  # formatted before, alone
    with pytest.raises(RuntimeError, match="make clean"):
        KafkaBroker(layout, layout.kafka_nodes[1]).format_storage()
