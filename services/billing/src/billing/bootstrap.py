"""The composition root of the billing process: the kit's, plus the price book."""

from __future__ import annotations

import json
import uuid
from collections.abc import Coroutine
from typing import Any

from billing.adapters.unit_of_work import BillingUnitOfWork
from billing.app.choreography import (
    CONSUMER,
    CONSUMES,
    AccountsEvents,
    Choreography,
    UsageEvents,
)
from billing.app.ports import Clock, ShardOf
from billing.domain.price_book import PriceBook
from billing.overdue import OverdueScanner
from billing.settings import DATABASE, BillingSettings
from tessera_common.catalog import price_book_json
from tessera_common.commands.runner import CommandRunner, UnitsOfWork
from tessera_common.commands.service import Check, CommandService
from tessera_common.commands.unit_of_work import Origin
from tessera_common.db.billing_placements import BillingOverrides
from tessera_common.db.errors import TenantMovingError
from tessera_common.events.topics import ACCOUNTS_EVENTS, USAGE_EVENTS
from tessera_common.kafka.consumer import EventConsumer
from tessera_common.resharding.moves import TenantMover
from tessera_common.resharding.placements import MoveScope
from tessera_common.sharding.topology import ShardTopology


class Billing(CommandService[BillingSettings]):
    def __init__(self, settings: BillingSettings) -> None:
        super().__init__("billing", DATABASE, settings)
        self.overrides = BillingOverrides(self.directory_engine)
        self.price_book = PriceBook.from_dict(json.loads(price_book_json()))
        choreography = Choreography(
            AccountsEvents(self.commands), UsageEvents(self.commands, self.shard_of)
        )
        topics = [ACCOUNTS_EVENTS, USAGE_EVENTS]
        # A metering flush is a UsageRecorded per tenant: those are applied as they come,
        # in batches; accounts' events one by one, each reaction in its request's trace.
        self.consumer = EventConsumer(
            CONSUMER, topics, choreography, settings.kafka,
            batched_topics=[USAGE_EVENTS], reacts_to=CONSUMES,
        )  # fmt: skip
        self.overdue = OverdueScanner(
            self.commands, lambda: self.engines.names, settings.terms.overdue_scan_seconds
        )

    def shard_of(self, tenant_id: uuid.UUID) -> str:
        """Hash-based sharding: the topology's ring names the shard of a tenant's billing,
        unless an override places it (moved ahead of a growing ring, or kept apart). While a
        growing ring is sealed, a tenant it reassigns and has not moved yet waits (503)."""
        topology = self.topology.current
        shard = topology.billing_shard(tenant_id, self.overrides.placed)
        if shard is None:
            raise TenantMovingError(topology.ring.shard_for(str(tenant_id)))
        return shard

    def billing_mover(self, topology: ShardTopology | None = None) -> TenantMover:
        """A mover of tenants' billing rows between the shards of `topology` (by default,
        the one followed)."""
        topology = topology or self.topology.current
        return TenantMover(
            self.settings.directory.db_url, topology, self.server_urls(topology),
            databases=(DATABASE,), scope=MoveScope.BILLING,
            grace_seconds=3 * self.settings.topology.poll_seconds,
        )  # fmt: skip

    def unit_of_work(self, origin: Origin) -> BillingUnitOfWork:
        return BillingUnitOfWork(self.engines, origin)

    def command_runner(self) -> CommandRunner:
        return commands_on(
            self.unit_of_work, shard_of=self.shard_of, price_book=self.price_book,
            payment_terms_days=self.settings.terms.payment_terms_days, clock=self.clock,
        )  # fmt: skip

    def loops(self) -> list[Coroutine[Any, Any, Any]]:
        poll = self.settings.topology.poll_seconds
        return [self.consumer.run(), self.overdue.run(), self.overrides.run(poll)]

    def readiness(self) -> dict[str, Check]:
        return {"billing-placements": self.overrides.followed}


def commands_on(
    units_of_work: UnitsOfWork,
    *,
    shard_of: ShardOf,
    price_book: PriceBook,
    payment_terms_days: int,
    clock: Clock,
) -> CommandRunner:
    """The handlers' dependencies, by name: the running service's, or a test's twins."""
    return CommandRunner(
        units_of_work,
        {
            "shard_of": shard_of,
            "price_book": price_book,
            "payment_terms_days": payment_terms_days,
            "clock": clock,
        },
    )


def bootstrap(settings: BillingSettings) -> Billing:
    return Billing(settings)
