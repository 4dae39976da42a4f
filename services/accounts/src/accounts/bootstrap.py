"""The composition root of the accounts process: engines, directory, relays."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from accounts.adapters.unit_of_work import AccountsUnitOfWork, Render
from accounts.app.choreography import CONSUMER, BillingEvents
from accounts.settings import DATABASE, AccountsSettings
from tessera_common.background import BackgroundTasks
from tessera_common.db.directory import TenantDirectory
from tessera_common.db.engines import ShardEngines, create_engine
from tessera_common.events.topics import BILLING_EVENTS
from tessera_common.idempotency import IdempotencyGuard
from tessera_common.idempotency.cipher import ResponseCipher
from tessera_common.kafka.consumer import EventConsumer
from tessera_common.outbox.relay import OutboxRelay
from tessera_common.outbox.relays import relays_for
from tessera_common.sharding.geo import RegionShardGroups


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass
class Accounts:
    settings: AccountsSettings
    engines: ShardEngines
    directory: TenantDirectory
    placer: RegionShardGroups
    relays: list[OutboxRelay]
    response_cipher: ResponseCipher
    consumer: EventConsumer | None = None
    background: BackgroundTasks = field(default_factory=BackgroundTasks)

    @property
    def idempotency_ttl(self) -> timedelta:
        return timedelta(seconds=self.settings.idempotency.ttl_seconds)

    def unit_of_work(
        self,
        shard: str,
        correlation_id: uuid.UUID,
        guard: IdempotencyGuard | None = None,
        render: Render | None = None,
    ) -> AccountsUnitOfWork:
        return AccountsUnitOfWork(self.engines, shard, correlation_id, guard, render)

    def start(self) -> None:
        runners = [relay.run() for relay in self.relays]
        if self.consumer is not None:
            runners.append(self.consumer.run())
        self.background.start(*runners)

    async def stop(self) -> None:
        await self.background.stop()
        await self.engines.dispose()
        await self.directory.dispose()


def bootstrap(settings: AccountsSettings) -> Accounts:
    placer = RegionShardGroups(settings.shards.regions)
    unknown = set(placer.shards) - set(settings.shards.servers)
    if unknown:
        raise ValueError(f"SHARD_REGIONS names shards without a server: {sorted(unknown)}")
    relays = relays_for(
        "accounts",
        DATABASE,
        shards=settings.shards,
        kafka=settings.kafka,
        outbox=settings.outbox,
        instance=settings.observability.service_instance,
    )
    accounts = Accounts(
        settings=settings,
        engines=ShardEngines.connect(settings.shards, DATABASE),
        directory=TenantDirectory(
            create_engine(
                settings.directory.db_url, pool_size=5, service=DATABASE, shard="directory"
            ),
            settings.directory.cache_size,
        ),
        placer=placer,
        relays=relays,
        response_cipher=ResponseCipher(settings.auth.internal_token_secret.get_secret_value()),
    )
    handler = BillingEvents(accounts.unit_of_work, accounts.directory, utc_now)
    accounts.consumer = EventConsumer(CONSUMER, [BILLING_EVENTS], handler, settings.kafka)
    return accounts
