"""The composition root of the billing process: the hash ring, relays, the choreography."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from billing.adapters.unit_of_work import BillingUnitOfWork, Render
from billing.app.choreography import CONSUMER, AccountsEvents, Choreography, UsageEvents
from billing.domain.price_book import PriceBook
from billing.overdue import OverdueScanner
from billing.settings import DATABASE, BillingSettings
from tessera_common.background import BackgroundTasks
from tessera_common.catalog import price_book_json
from tessera_common.db.engines import ShardEngines
from tessera_common.events.topics import ACCOUNTS_EVENTS, USAGE_EVENTS
from tessera_common.idempotency import IdempotencyGuard
from tessera_common.idempotency.cipher import ResponseCipher
from tessera_common.kafka.consumer import EventConsumer
from tessera_common.outbox.relay import OutboxRelay
from tessera_common.outbox.relays import relays_for
from tessera_common.sharding.ring import ConsistentHashRing


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass
class Billing:
    settings: BillingSettings
    engines: ShardEngines
    ring: ConsistentHashRing
    price_book: PriceBook
    relays: list[OutboxRelay]
    response_cipher: ResponseCipher
    consumer: EventConsumer | None = None
    overdue: OverdueScanner | None = None
    background: BackgroundTasks = field(default_factory=BackgroundTasks)

    def shard_of(self, tenant_id: uuid.UUID) -> str:
        """Hash-based sharding: the ring names the shard of every tenant's billing data."""
        return self.ring.shard_for(str(tenant_id))

    def unit_of_work(
        self,
        tenant_id: uuid.UUID,
        correlation_id: uuid.UUID,
        causation_id: uuid.UUID | None,
        guard: IdempotencyGuard | None = None,
        render: Render | None = None,
    ) -> BillingUnitOfWork:
        shard = self.shard_of(tenant_id)
        return BillingUnitOfWork(
            self.engines, shard, correlation_id, causation_id, guard=guard, render=render
        )

    @property
    def idempotency_ttl(self) -> timedelta:
        return timedelta(seconds=self.settings.idempotency.ttl_seconds)

    def start(self) -> None:
        runners = [relay.run() for relay in self.relays]
        if self.consumer is not None:
            runners.append(self.consumer.run())
        if self.overdue is not None:
            runners.append(self.overdue.run())
        self.background.start(*runners)

    async def stop(self) -> None:
        await self.background.stop()
        await self.engines.dispose()


def bootstrap(settings: BillingSettings) -> Billing:
    relays = relays_for(
        "billing",
        DATABASE,
        shards=settings.shards,
        kafka=settings.kafka,
        outbox=settings.outbox,
        instance=settings.observability.service_instance,
    )
    billing = Billing(
        settings=settings,
        engines=ShardEngines.connect(settings.shards, DATABASE),
        ring=ConsistentHashRing(settings.shards.servers),
        price_book=PriceBook.from_dict(json.loads(price_book_json())),
        relays=relays,
        response_cipher=ResponseCipher(settings.auth.internal_token_secret.get_secret_value()),
    )
    handler = Choreography(
        AccountsEvents(billing.unit_of_work, billing.price_book, utc_now),
        UsageEvents(billing.unit_of_work),
    )
    topics = [ACCOUNTS_EVENTS, USAGE_EVENTS]
    billing.consumer = EventConsumer(CONSUMER, topics, handler, settings.kafka)
    billing.overdue = OverdueScanner(
        billing.engines, billing.unit_of_work, utc_now, settings.terms.overdue_scan_seconds
    )
    return billing
