"""MarkOverdue: an open invoice past its due date becomes overdue (InvoiceOverdue)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from billing.app.ports import Clock, ShardOf, UnitOfWork


@dataclass(frozen=True)
class MarkOverdue:
    tenant_id: uuid.UUID
    invoice_id: uuid.UUID


async def mark_overdue(cmd: MarkOverdue, uow: UnitOfWork, shard_of: ShardOf, clock: Clock) -> bool:
    """True when the invoice became overdue now."""
    await uow.open(shard_of(cmd.tenant_id))
    invoice = await uow.invoices.get(cmd.tenant_id, cmd.invoice_id)
    if invoice is None:
        return False
    read_version = invoice.version
    invoice.mark_overdue(clock())
    return invoice.version != read_version
