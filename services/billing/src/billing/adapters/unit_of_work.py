"""The billing unit of work: one transaction on the shard the hash ring names."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any, Self

from billing.adapters.integration_events import to_envelope
from billing.adapters.repositories import InvoiceRepository, SubscriptionRepository, UsageTotals
from billing.domain.invoice import Invoice
from billing.domain.subscription import Subscription
from tessera_common.db.engines import ShardEngines
from tessera_common.db.unit_of_work import ShardUnitOfWork
from tessera_common.events.envelope import EventEnvelope
from tessera_common.events.topics import BILLING_EVENTS
from tessera_common.idempotency import IdempotencyGuard, StoredResponse
from tessera_common.inbox import first_delivery

# Renders a command's outcome as the HTTP response to store with its Idempotency-Key.
Render = Callable[[Any], StoredResponse]


class BillingUnitOfWork(ShardUnitOfWork):
    subscriptions: SubscriptionRepository
    invoices: InvoiceRepository
    usage: UsageTotals

    def __init__(
        self,
        engines: ShardEngines,
        shard: str,
        correlation_id: uuid.UUID,
        causation_id: uuid.UUID | None = None,
        *,
        guard: IdempotencyGuard | None = None,
        render: Render | None = None,
    ) -> None:
        super().__init__(engines, shard, BILLING_EVENTS, guard)
        self._correlation_id = correlation_id
        self._causation_id = causation_id
        self._render = render

    async def __aenter__(self) -> Self:
        await super().__aenter__()
        self.subscriptions = SubscriptionRepository(self.connection)
        self.invoices = InvoiceRepository(self.connection)
        self.usage = UsageTotals(self.connection)
        return self

    async def first_delivery(self, consumer: str, event_id: uuid.UUID) -> bool:
        """Inbox: False when this event was already applied (in an earlier transaction)."""
        return await first_delivery(self.connection, consumer, event_id)

    async def finish(self, outcome: object) -> None:
        """Commit; under an Idempotency-Key, with the response rendered from `outcome`."""
        await self.commit(self._render(outcome) if self._render else None)

    def stage(self, aggregate: Subscription | Invoice) -> list[EventEnvelope]:
        """Queue the aggregate's new domain events for the outbox; returns their envelopes."""
        envelopes = [
            to_envelope(event, self._correlation_id, self._causation_id)
            for event in aggregate.events
        ]
        aggregate.events.clear()
        self.publish(envelopes)
        return envelopes
