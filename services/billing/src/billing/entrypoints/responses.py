"""Response bodies built from billing aggregates."""

from __future__ import annotations

from billing.app.pay_invoice import Paid
from billing.domain.invoice import Invoice
from billing.domain.subscription import Subscription
from billing.entrypoints.schemas import InvoiceBody, PaymentBody, SubscriptionBody
from tessera_common.events.billing import InvoiceLine


def subscription_body(subscription: Subscription) -> SubscriptionBody:
    return SubscriptionBody(
        tenant_id=subscription.tenant_id,
        plan=subscription.plan,
        seats=subscription.seats,
        currency=subscription.currency,
        status=subscription.status.value,
        monthly_fee=subscription.prices.monthly_fee,
        seat_price=subscription.prices.seat_price,
        version=subscription.version,
        started_at=subscription.started_at,
    )


def invoice_body(invoice: Invoice) -> InvoiceBody:
    return InvoiceBody(
        invoice_id=invoice.id, tenant_id=invoice.tenant_id, period=str(invoice.period),
        plan=invoice.plan.value, currency=invoice.currency, total=invoice.total,
        balance=invoice.balance, status=invoice.status.value, version=invoice.version,
        issued_at=invoice.issued_at, due_at=invoice.due_at,
        lines=[
            InvoiceLine(
                kind=line.kind.value, description=line.description, quantity=line.quantity,
                unit_amount=line.unit_amount, amount=line.amount,
            )
            for line in invoice.lines
        ],
    )  # fmt: skip


def payment_body(paid: Paid) -> PaymentBody:
    payment, invoice = paid.payment, paid.invoice
    return PaymentBody(
        payment_id=payment.id, invoice_id=invoice.id, amount=payment.amount,
        currency=payment.currency, received_at=payment.received_at,
        invoice_status=invoice.status.value, invoice_balance=invoice.balance,
    )  # fmt: skip
