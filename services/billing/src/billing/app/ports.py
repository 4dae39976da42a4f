"""What the billing handlers need from the outside world, as protocols adapters implement."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Protocol

from billing.domain.invoice import Invoice
from billing.domain.period import Period
from billing.domain.subscription import Subscription
from tessera_common.commands import ports
from tessera_common.commands.ports import Clock

__all__ = [
    "Clock", "InvoiceStore", "ShardOf", "SubscriptionStore", "UnitOfWork", "UsageKey", "UsageStore",
]  # fmt: skip

# Hash-based sharding: the shard that holds a tenant's billing data.
ShardOf = Callable[[uuid.UUID], str]
# A tenant's usage of one meter in one month (YYYY-MM).
UsageKey = tuple[uuid.UUID, str, str]


class SubscriptionStore(Protocol):
    """Subscriptions it hands out or takes in are saved, with their events, at commit."""

    async def get(self, tenant_id: uuid.UUID) -> Subscription | None: ...

    async def add(self, subscription: Subscription) -> None: ...


class InvoiceStore(Protocol):
    """Invoices it hands out or takes in are saved, with their events, at commit."""

    async def get(self, tenant_id: uuid.UUID, invoice_id: uuid.UUID) -> Invoice | None: ...

    async def add(self, invoice: Invoice) -> None: ...

    async def open_past_due(
        self, now: datetime, limit: int
    ) -> list[tuple[uuid.UUID, uuid.UUID]]: ...


class UsageStore(Protocol):
    async def api_calls(self, tenant_id: uuid.UUID, period: Period) -> int: ...

    async def add(self, quantities: Mapping[UsageKey, int]) -> None:
        """Add each quantity to its tenant's, meter's and month's total."""


class UnitOfWork(ports.UnitOfWork, Protocol):
    @property
    def subscriptions(self) -> SubscriptionStore: ...

    @property
    def invoices(self) -> InvoiceStore: ...

    @property
    def usage(self) -> UsageStore: ...
