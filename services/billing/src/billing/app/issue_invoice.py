"""IssueInvoice: the invoice of a closed period, one per tenant and period."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from billing.app.ports import Clock, ShardOf, UnitOfWork
from billing.domain.errors import SubscriptionNotFoundError
from billing.domain.invoice import Invoice
from billing.domain.period import Period

# Invoice ids are derived from tenant and period: one invoice per period, found again.
INVOICE_IDS = uuid.UUID("0b6f1a0e-5c1d-4f3b-8d9a-2b7e4c6a9f10")


def invoice_id_of(tenant_id: uuid.UUID, period: Period) -> uuid.UUID:
    return uuid.uuid5(INVOICE_IDS, f"{tenant_id}/{period}")


@dataclass(frozen=True)
class IssueInvoice:
    tenant_id: uuid.UUID
    period: Period


async def issue_invoice(
    cmd: IssueInvoice, uow: UnitOfWork, shard_of: ShardOf, clock: Clock, payment_terms_days: int
) -> Invoice:
    """Plan fee, seats, and usage over the allowance, due after the payment terms."""
    await uow.open(shard_of(cmd.tenant_id))
    subscription = await uow.subscriptions.get(cmd.tenant_id)
    if subscription is None:
        raise SubscriptionNotFoundError(str(cmd.tenant_id))
    invoice = Invoice.issue(
        invoice_id=invoice_id_of(cmd.tenant_id, cmd.period),
        subscription=subscription,
        period=cmd.period,
        api_calls_used=await uow.usage.api_calls(cmd.tenant_id, cmd.period),
        now=clock(),
        due_in_days=payment_terms_days,
    )
    await uow.invoices.add(invoice)
    return invoice
