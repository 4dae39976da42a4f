"""PayInvoice: in the invoice's currency; the same payment id pays once."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from billing.app.ports import Clock, ShardOf, UnitOfWork
from billing.domain.errors import InvoiceNotFoundError
from billing.domain.invoice import Invoice, Payment
from tessera_common.vocabulary import Currency


@dataclass(frozen=True)
class PayInvoice:
    tenant_id: uuid.UUID
    invoice_id: uuid.UUID
    payment_id: uuid.UUID
    amount: int
    currency: Currency


@dataclass(frozen=True)
class Paid:
    payment: Payment
    invoice: Invoice


async def pay_invoice(cmd: PayInvoice, uow: UnitOfWork, shard_of: ShardOf, clock: Clock) -> Paid:
    """A repeated payment returns the one first recorded, and changes nothing."""
    await uow.open(shard_of(cmd.tenant_id))
    invoice = await uow.invoices.get(cmd.tenant_id, cmd.invoice_id)
    if invoice is None:
        raise InvoiceNotFoundError(str(cmd.invoice_id))
    payment = invoice.pay(
        payment_id=cmd.payment_id, amount=cmd.amount, currency=cmd.currency, now=clock()
    )
    return Paid(payment, invoice)
