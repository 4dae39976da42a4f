"""The composition root of the usage process: shard engines, region groups, relays."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from tessera_common.background import BackgroundTasks
from tessera_common.db.engines import ShardEngines
from tessera_common.idempotency.cipher import ResponseCipher
from tessera_common.outbox.relay import OutboxRelay
from tessera_common.outbox.relays import relays_for
from tessera_common.sharding.geo import RegionShardGroups
from usage.partitions import maintain_partitions
from usage.settings import DATABASE, UsageSettings


@dataclass
class Usage:
    settings: UsageSettings
    engines: ShardEngines
    groups: RegionShardGroups
    relays: list[OutboxRelay]
    response_cipher: ResponseCipher
    background: BackgroundTasks = field(default_factory=BackgroundTasks)

    @property
    def idempotency_ttl(self) -> timedelta:
        return timedelta(seconds=self.settings.idempotency.ttl_seconds)

    def start(self) -> None:
        runners = [relay.run() for relay in self.relays]
        runners.append(maintain_partitions(self.engines, self.settings.retention))
        self.background.start(*runners)

    async def stop(self) -> None:
        await self.background.stop()
        await self.engines.dispose()


def bootstrap(settings: UsageSettings) -> Usage:
    return Usage(
        settings=settings,
        engines=ShardEngines.connect(settings.shards, DATABASE),
        groups=RegionShardGroups(settings.shards.regions),
        response_cipher=ResponseCipher(settings.auth.internal_token_secret.get_secret_value()),
        relays=relays_for(
            "usage", DATABASE, shards=settings.shards, kafka=settings.kafka,
            outbox=settings.outbox, instance=settings.observability.service_instance,
        ),
    )  # fmt: skip
