"""The billing unit of work: subscriptions, invoices and usage totals on one shard."""

from __future__ import annotations

from billing.adapters.integration_events import integration_event
from billing.adapters.repositories import InvoiceRepository, SubscriptionRepository, UsageTotals
from tessera_common.commands.unit_of_work import Publication, ShardUnitOfWork
from tessera_common.events.topics import BILLING_EVENTS


class BillingUnitOfWork(ShardUnitOfWork):
    """Subscriptions and invoices publish; the usage totals are billing's own record."""

    publishes = Publication(BILLING_EVENTS, integration_event)
    subscriptions: SubscriptionRepository
    invoices: InvoiceRepository
    usage: UsageTotals
