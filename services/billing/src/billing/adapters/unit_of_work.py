"""The billing unit of work: repositories on one shard's transaction; aggregates publish."""

from __future__ import annotations

from billing.adapters.integration_events import integration_event
from billing.adapters.repositories import InvoiceRepository, SubscriptionRepository, UsageTotals
from tessera_common.commands.aggregates import Repository
from tessera_common.commands.unit_of_work import Origin, ShardUnitOfWork
from tessera_common.db.engines import ShardEngines
from tessera_common.events.topics import BILLING_EVENTS


class BillingUnitOfWork(ShardUnitOfWork):
    subscriptions: SubscriptionRepository
    invoices: InvoiceRepository
    usage: UsageTotals

    def __init__(self, engines: ShardEngines, origin: Origin) -> None:
        super().__init__(engines, origin, topic=BILLING_EVENTS, to_integration=integration_event)

    def _bind(self) -> None:
        connection = self.connection
        self.subscriptions = SubscriptionRepository(connection)
        self.invoices = InvoiceRepository(connection)
        self.usage = UsageTotals(connection)

    def _repositories(self) -> list[Repository]:
        return [self.subscriptions, self.invoices]
