"""One outbox relay per shard of a service's database."""

from __future__ import annotations

from functools import partial

from tessera_common.db.urls import asyncpg_dsn, with_database
from tessera_common.kafka.clients import create_producer
from tessera_common.outbox.relay import OutboxRelay
from tessera_common.settings import KafkaSettings, OutboxSettings, ShardSettings


def relays_for(
    service: str,
    database: str,
    *,
    shards: ShardSettings,
    kafka: KafkaSettings,
    outbox: OutboxSettings,
    instance: str,
) -> list[OutboxRelay]:
    producer_factory = partial(create_producer, kafka, f"{service}-relay-{instance}")
    return [
        OutboxRelay(
            service=service,
            shard=shard,
            dsn=asyncpg_dsn(with_database(url, database)),
            producer_factory=producer_factory,
            settings=outbox,
        )
        for shard, url in shards.servers.items()
    ]
