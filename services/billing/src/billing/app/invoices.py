"""IssueInvoice, PayInvoice, MarkOverdue."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from billing.app.ports import Clock, UnitOfWorkFactory
from billing.domain.errors import InvoiceNotFoundError, SubscriptionNotFoundError
from billing.domain.invoice import Invoice, Payment
from billing.domain.period import Period
from tessera_common.events.envelope import EventEnvelope
from tessera_common.vocabulary import Currency

# Invoice ids are derived from tenant and period: one invoice per period, found again.
INVOICE_IDS = uuid.UUID("0b6f1a0e-5c1d-4f3b-8d9a-2b7e4c6a9f10")


def invoice_id_of(tenant_id: uuid.UUID, period: Period) -> uuid.UUID:
    return uuid.uuid5(INVOICE_IDS, f"{tenant_id}/{period}")


@dataclass(frozen=True)
class IssueInvoice:
    tenant_id: uuid.UUID
    period: Period
    correlation_id: uuid.UUID


async def issue_invoice(
    cmd: IssueInvoice, uow_factory: UnitOfWorkFactory, clock: Clock, due_in_days: int
) -> tuple[Invoice, list[EventEnvelope]]:
    """The invoice of a closed period: plan fee, seats, and usage over the allowance."""
    async with uow_factory(cmd.tenant_id, cmd.correlation_id, None) as uow:
        subscription = await uow.subscriptions.get(cmd.tenant_id)
        if subscription is None:
            raise SubscriptionNotFoundError(str(cmd.tenant_id))
        invoice = Invoice.issue(
            invoice_id=invoice_id_of(cmd.tenant_id, cmd.period),
            subscription=subscription,
            period=cmd.period,
            api_calls_used=await uow.usage.api_calls(cmd.tenant_id, cmd.period),
            now=clock(),
            due_in_days=due_in_days,
        )
        await uow.invoices.add(invoice)
        events = uow.stage(invoice)
        await uow.finish((invoice, events))
    return invoice, events


@dataclass(frozen=True)
class PayInvoice:
    tenant_id: uuid.UUID
    invoice_id: uuid.UUID
    payment_id: uuid.UUID
    amount: int
    currency: Currency
    correlation_id: uuid.UUID


async def pay_invoice(
    cmd: PayInvoice, uow_factory: UnitOfWorkFactory, clock: Clock
) -> tuple[Payment, Invoice, list[EventEnvelope]]:
    """Idempotent by payment id: a repeated payment returns the one first recorded."""
    async with uow_factory(cmd.tenant_id, cmd.correlation_id, None) as uow:
        invoice = await uow.invoices.get(cmd.tenant_id, cmd.invoice_id)
        if invoice is None:
            raise InvoiceNotFoundError(str(cmd.invoice_id))
        read_version = invoice.version
        payment = invoice.pay(
            payment_id=cmd.payment_id, amount=cmd.amount, currency=cmd.currency, now=clock()
        )
        events: list[EventEnvelope] = []
        if invoice.version != read_version:
            await uow.invoices.update(invoice, read_version)
            events = uow.stage(invoice)
        await uow.finish((payment, invoice, events))
    return payment, invoice, events


async def mark_overdue(
    tenant_id: uuid.UUID, invoice_id: uuid.UUID, uow_factory: UnitOfWorkFactory, clock: Clock
) -> bool:
    """True when the invoice became overdue (InvoiceOverdue is published)."""
    async with uow_factory(tenant_id, uuid.uuid4(), None) as uow:
        invoice = await uow.invoices.get(tenant_id, invoice_id)
        if invoice is None:
            return False
        read_version = invoice.version
        invoice.mark_overdue(clock())
        if invoice.version == read_version:
            return False
        await uow.invoices.update(invoice, read_version)
        uow.stage(invoice)
        await uow.commit()
    return True
