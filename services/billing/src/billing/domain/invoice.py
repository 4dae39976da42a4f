"""The invoice aggregate: one month of a subscription, issued once the month is over."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum

from billing.domain.errors import (
    CurrencyMismatchError,
    InvalidFieldError,
    InvoiceAlreadyPaidError,
    PaymentConflictError,
    PeriodNotClosedError,
)
from billing.domain.events import (
    InvoiceEvent,
    InvoiceIssued,
    InvoiceOverdue,
    InvoicePaid,
    PaymentReceived,
)
from billing.domain.fields import require_count
from billing.domain.lines import InvoiceLine, invoice_lines
from billing.domain.period import Period
from billing.domain.subscription import Subscription
from tessera_common.vocabulary import Currency, Plan


class InvoiceStatus(StrEnum):
    OPEN = "open"
    PAID = "paid"
    OVERDUE = "overdue"


@dataclass(frozen=True)
class Payment:
    id: uuid.UUID
    invoice_id: uuid.UUID
    amount: int
    currency: Currency
    received_at: datetime


@dataclass
class Invoice:
    id: uuid.UUID
    tenant_id: uuid.UUID
    period: Period
    plan: Plan
    currency: Currency
    lines: tuple[InvoiceLine, ...]
    total: int
    status: InvoiceStatus
    version: int
    issued_at: datetime
    due_at: datetime
    updated_at: datetime
    payments: list[Payment] = field(default_factory=list)
    events: list[InvoiceEvent] = field(default_factory=list, repr=False, compare=False)

    @classmethod
    def issue(
        cls,
        *,
        invoice_id: uuid.UUID,
        subscription: Subscription,
        period: Period,
        api_calls_used: int,
        now: datetime,
        due_in_days: int = 14,
    ) -> Invoice:
        """Bill a closed period at the subscription's current plan, seats and prices."""
        subscription.require_active()
        if not period.is_closed(now):
            raise PeriodNotClosedError(f"period {period} is still open until {period.end}")
        lines = invoice_lines(
            plan=subscription.plan,
            seats=subscription.seats,
            prices=subscription.prices,
            period=period,
            api_calls_used=require_count("api_calls_used", api_calls_used),
        )
        invoice = cls(
            id=invoice_id,
            tenant_id=subscription.tenant_id,
            period=period,
            plan=subscription.plan,
            currency=subscription.currency,
            lines=lines,
            total=sum(line.amount for line in lines),
            status=InvoiceStatus.OPEN,
            version=1,
            issued_at=now,
            due_at=now + timedelta(days=require_count("due_in_days", due_in_days)),
            updated_at=now,
        )
        invoice.events.append(
            InvoiceIssued(
                tenant_id=invoice.tenant_id,
                invoice_id=invoice.id,
                version=invoice.version,
                period=period,
                plan=invoice.plan,
                currency=invoice.currency,
                lines=lines,
                total=invoice.total,
                issued_at=now,
                due_at=invoice.due_at,
            )
        )
        # Nothing to pay (the free plan) must not wait for a payment and fall overdue.
        if invoice.total == 0:
            invoice._settle(now)
        return invoice

    @property
    def amount_paid(self) -> int:
        return sum(payment.amount for payment in self.payments)

    @property
    def balance(self) -> int:
        return self.total - self.amount_paid

    def pay(
        self, *, payment_id: uuid.UUID, amount: int, currency: Currency, now: datetime
    ) -> Payment:
        """Apply a payment; the same payment id again returns the payment first applied."""
        for applied in self.payments:
            if applied.id == payment_id:
                if (applied.amount, applied.currency) != (amount, currency):
                    raise PaymentConflictError(payment_id)
                return applied
        if self.status is InvoiceStatus.PAID:
            raise InvoiceAlreadyPaidError(f"invoice {self.id} is already paid")
        if currency != self.currency:
            raise CurrencyMismatchError(self.currency, currency)
        if not 0 < amount <= self.balance:
            raise InvalidFieldError(
                "amount", f"must be more than 0 and at most the balance of {self.balance}"
            )
        payment = Payment(payment_id, self.id, amount, currency, now)
        self.payments.append(payment)
        self._bump(now)
        self.events.append(
            PaymentReceived(
                tenant_id=self.tenant_id,
                invoice_id=self.id,
                payment_id=payment_id,
                version=self.version,
                amount=amount,
                currency=currency,
                balance=self.balance,
                received_at=now,
            )
        )
        if self.balance == 0:
            self._settle(now)
        return payment

    def mark_overdue(self, now: datetime) -> None:
        """An open invoice past its due date becomes overdue; anything else changes nothing."""
        if self.status is not InvoiceStatus.OPEN or now <= self.due_at:
            return
        self.status = InvoiceStatus.OVERDUE
        self._bump(now)
        self.events.append(
            InvoiceOverdue(
                self.tenant_id, self.id, self.version, self.balance, self.currency, self.due_at
            )
        )

    def _settle(self, now: datetime) -> None:
        self.status = InvoiceStatus.PAID
        self._bump(now)
        self.events.append(
            InvoicePaid(self.tenant_id, self.id, self.version, self.total, self.currency, now)
        )

    def _bump(self, now: datetime) -> None:
        self.version += 1
        self.updated_at = now
