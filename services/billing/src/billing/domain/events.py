"""Domain events of the billing service: facts, past tense, stdlib only."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from billing.domain.lines import InvoiceLine
from billing.domain.period import Period
from billing.domain.price_book import Prices
from tessera_common.vocabulary import Currency, Plan


@dataclass(frozen=True)
class SubscriptionStarted:
    tenant_id: uuid.UUID
    version: int
    plan: Plan
    seats: int
    currency: Currency
    prices: Prices
    started_at: datetime


@dataclass(frozen=True)
class SubscriptionChanged:
    tenant_id: uuid.UUID
    version: int
    plan: Plan
    seats: int
    previous_plan: Plan
    previous_seats: int
    prices: Prices
    changed_at: datetime


@dataclass(frozen=True)
class SubscriptionCancelled:
    tenant_id: uuid.UUID
    version: int
    cancelled_at: datetime


@dataclass(frozen=True)
class InvoiceIssued:
    tenant_id: uuid.UUID
    invoice_id: uuid.UUID
    version: int
    period: Period
    plan: Plan
    currency: Currency
    lines: tuple[InvoiceLine, ...]
    total: int
    issued_at: datetime
    due_at: datetime


@dataclass(frozen=True)
class PaymentReceived:
    tenant_id: uuid.UUID
    invoice_id: uuid.UUID
    payment_id: uuid.UUID
    version: int
    amount: int
    currency: Currency
    balance: int
    received_at: datetime


@dataclass(frozen=True)
class InvoicePaid:
    tenant_id: uuid.UUID
    invoice_id: uuid.UUID
    version: int
    total: int
    currency: Currency
    paid_at: datetime


@dataclass(frozen=True)
class InvoiceOverdue:
    tenant_id: uuid.UUID
    invoice_id: uuid.UUID
    version: int
    balance: int
    currency: Currency
    due_at: datetime


SubscriptionEvent = SubscriptionStarted | SubscriptionChanged | SubscriptionCancelled
InvoiceEvent = InvoiceIssued | PaymentReceived | InvoicePaid | InvoiceOverdue
DomainEvent = SubscriptionEvent | InvoiceEvent
