"""The composition root of the billing process: the kit's, plus the hash ring and price book."""

from __future__ import annotations

import json
import uuid
from collections.abc import Coroutine, Mapping
from typing import Any

from billing.adapters.unit_of_work import BillingUnitOfWork
from billing.app.choreography import CONSUMER, AccountsEvents, Choreography, UsageEvents
from billing.domain.price_book import PriceBook
from billing.overdue import OverdueScanner
from billing.settings import DATABASE, BillingSettings
from tessera_common.catalog import price_book_json
from tessera_common.commands.service import CommandService
from tessera_common.commands.unit_of_work import Origin
from tessera_common.events.topics import ACCOUNTS_EVENTS, USAGE_EVENTS
from tessera_common.kafka.consumer import EventConsumer
from tessera_common.sharding.ring import ConsistentHashRing


class Billing(CommandService[BillingSettings]):
    def __init__(self, settings: BillingSettings) -> None:
        super().__init__("billing", DATABASE, settings)
        self.ring = ConsistentHashRing(settings.shards.servers)
        self.price_book = PriceBook.from_dict(json.loads(price_book_json()))
        choreography = Choreography(AccountsEvents(self.commands), UsageEvents(self.commands))
        topics = [ACCOUNTS_EVENTS, USAGE_EVENTS]
        self.consumer = EventConsumer(CONSUMER, topics, choreography, settings.kafka)
        self.overdue = OverdueScanner(
            self.commands, self.engines.names, settings.terms.overdue_scan_seconds
        )

    def shard_of(self, tenant_id: uuid.UUID) -> str:
        """Hash-based sharding: the ring names the shard of every tenant's billing data."""
        return self.ring.shard_for(str(tenant_id))

    def unit_of_work(self, origin: Origin) -> BillingUnitOfWork:
        return BillingUnitOfWork(self.engines, origin)

    def dependencies(self) -> Mapping[str, object]:
        return {
            "shard_of": self.shard_of,
            "price_book": self.price_book,
            "payment_terms_days": self.settings.terms.payment_terms_days,
        }

    def loops(self) -> list[Coroutine[Any, Any, Any]]:
        return [self.consumer.run(), self.overdue.run()]


def bootstrap(settings: BillingSettings) -> Billing:
    return Billing(settings)
