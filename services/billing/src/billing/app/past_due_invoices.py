"""PastDueInvoices: the open invoices of one shard whose due date has passed (for the scan)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from billing.app.ports import Clock, UnitOfWork


@dataclass(frozen=True)
class PastDueInvoices:
    shard: str
    limit: int


async def past_due_invoices(
    query: PastDueInvoices, uow: UnitOfWork, clock: Clock
) -> list[tuple[uuid.UUID, uuid.UUID]]:
    """(tenant_id, invoice_id) of each, the longest overdue first."""
    await uow.open(query.shard)
    return await uow.invoices.open_past_due(clock(), query.limit)
