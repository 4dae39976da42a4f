"""Contracts of the billing bounded context, published on `billing.events`."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import ClassVar

from pydantic import BaseModel

from tessera_common.events.contract import Contract
from tessera_common.events.envelope import EventEnvelope
from tessera_common.events.upcasting import parse_as
from tessera_common.vocabulary import Currency, Plan

SUBSCRIPTION_IDS = uuid.UUID("7a3f1c52-2d4e-4b8a-9f61-0c5e8d2b4a93")


def subscription_id(tenant_id: uuid.UUID) -> uuid.UUID:
    """A subscription's aggregate id: one per tenant, distinct from the tenant's own id."""
    return uuid.uuid5(SUBSCRIPTION_IDS, str(tenant_id))


class SubscriptionStarted(Contract):
    event_type: ClassVar[str] = "SubscriptionStarted"

    tenant_id: uuid.UUID
    plan: Plan
    seats: int
    currency: Currency
    started_at: datetime


class SubscriptionChanged(Contract):
    event_type: ClassVar[str] = "SubscriptionChanged"

    tenant_id: uuid.UUID
    plan: Plan
    seats: int
    previous_plan: Plan
    previous_seats: int


class SubscriptionCancelled(Contract):
    event_type: ClassVar[str] = "SubscriptionCancelled"

    tenant_id: uuid.UUID


class InvoiceLine(BaseModel):
    kind: str
    description: str
    quantity: int
    unit_amount: int
    amount: int


class InvoiceIssued(Contract):
    """Amounts in integer minor units of `currency`."""

    event_type: ClassVar[str] = "InvoiceIssued"

    invoice_id: uuid.UUID
    tenant_id: uuid.UUID
    period: str
    currency: Currency
    lines: list[InvoiceLine]
    total: int
    issued_at: datetime
    due_at: datetime


class PaymentReceived(Contract):
    event_type: ClassVar[str] = "PaymentReceived"

    payment_id: uuid.UUID
    invoice_id: uuid.UUID
    tenant_id: uuid.UUID
    amount: int
    currency: Currency
    balance: int
    received_at: datetime


class InvoicePaid(Contract):
    event_type: ClassVar[str] = "InvoicePaid"

    invoice_id: uuid.UUID
    tenant_id: uuid.UUID
    total: int
    currency: Currency
    paid_at: datetime


class InvoiceOverdue(Contract):
    event_type: ClassVar[str] = "InvoiceOverdue"

    invoice_id: uuid.UUID
    tenant_id: uuid.UUID
    balance: int
    currency: Currency
    due_at: datetime


BILLING_CONTRACTS: dict[str, type[Contract]] = {
    c.event_type: c
    for c in (
        SubscriptionStarted,
        SubscriptionChanged,
        SubscriptionCancelled,
        InvoiceIssued,
        PaymentReceived,
        InvoicePaid,
        InvoiceOverdue,
    )
}


def parse_billing_payload(event: EventEnvelope) -> Contract:
    """The typed payload of a billing event, upcast to its current version; KeyError for an
    unknown type."""
    return parse_as(BILLING_CONTRACTS[event.event_type], event)
