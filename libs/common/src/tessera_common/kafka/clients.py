"""Kafka clients configured the one way Tessera uses them."""

from __future__ import annotations

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer

from tessera_common.settings import KafkaSettings


def create_producer(settings: KafkaSettings, client_id: str) -> AIOKafkaProducer:
    """Idempotent and durable: `acks=all`, no duplicates from the producer's own retries."""
    return AIOKafkaProducer(
        bootstrap_servers=settings.bootstrap_servers,
        client_id=client_id,
        enable_idempotence=True,
        acks="all",
        linger_ms=settings.linger_ms,
        request_timeout_ms=15_000,
        retry_backoff_ms=200,
    )


def create_consumer(
    settings: KafkaSettings, group_id: str, *topics: str, client_id: str | None = None
) -> AIOKafkaConsumer:
    """Manual commits after the effect is written; start from the beginning of history."""
    return AIOKafkaConsumer(
        *topics,
        bootstrap_servers=settings.bootstrap_servers,
        group_id=group_id,
        client_id=client_id or group_id,
        enable_auto_commit=False,
        auto_offset_reset="earliest",
        isolation_level="read_committed",
    )
