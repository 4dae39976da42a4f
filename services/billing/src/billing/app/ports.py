"""What the billing handlers need from the outside world."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime
from types import TracebackType
from typing import Protocol, Self

from billing.domain.invoice import Invoice
from billing.domain.period import Period
from billing.domain.subscription import Subscription
from tessera_common.events.envelope import EventEnvelope

Clock = Callable[[], datetime]


class SubscriptionStore(Protocol):
    async def get(self, tenant_id: uuid.UUID) -> Subscription | None: ...

    async def add(self, subscription: Subscription) -> None: ...

    async def update(self, subscription: Subscription, expected_version: int) -> None: ...


class InvoiceStore(Protocol):
    async def get(self, tenant_id: uuid.UUID, invoice_id: uuid.UUID) -> Invoice | None: ...

    async def add(self, invoice: Invoice) -> None: ...

    async def update(self, invoice: Invoice, expected_version: int) -> None: ...

    async def open_past_due(
        self, now: datetime, limit: int
    ) -> list[tuple[uuid.UUID, uuid.UUID]]: ...


class UsageStore(Protocol):
    async def api_calls(self, tenant_id: uuid.UUID, period: Period) -> int: ...

    async def add(self, tenant_id: uuid.UUID, period: str, meter: str, quantity: int) -> None: ...


class UnitOfWork(Protocol):
    @property
    def subscriptions(self) -> SubscriptionStore: ...

    @property
    def invoices(self) -> InvoiceStore: ...

    @property
    def usage(self) -> UsageStore: ...

    async def __aenter__(self) -> Self: ...

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...

    async def first_delivery(self, consumer: str, event_id: uuid.UUID) -> bool: ...

    def stage(self, aggregate: Subscription | Invoice) -> list[EventEnvelope]: ...

    async def commit(self) -> None: ...

    async def finish(self, outcome: object) -> None: ...


# (tenant_id, correlation_id, causation_id) -> a unit of work on the tenant's billing shard
UnitOfWorkFactory = Callable[[uuid.UUID, uuid.UUID, uuid.UUID | None], UnitOfWork]
