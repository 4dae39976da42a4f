"""Projection of `billing.events`: invoices as a customer reads them."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from projector.projections.accounts import UnknownEventError
from projector.projections.changes import (
    Change,
    UpdateInvoice,
    UpsertInvoice,
    UpsertSubscription,
)
from tessera_common.events import billing as contracts
from tessera_common.events.envelope import EventEnvelope
from tessera_common.events.expectations import Consumes

# What this projection reads of each event; provider tests hold the producers to it.
CONSUMES: Consumes = {
    "InvoiceIssued": {
        "invoice_id": "uuid", "tenant_id": "uuid", "period": "string", "currency": "string",
        "lines[].kind": "string", "lines[].description": "string", "lines[].quantity": "integer",
        "lines[].unit_amount": "integer", "lines[].amount": "integer", "total": "integer",
        "issued_at": "date-time", "due_at": "date-time",
    },
    "PaymentReceived": {"invoice_id": "uuid", "tenant_id": "uuid", "balance": "integer"},
    "InvoicePaid": {"invoice_id": "uuid", "tenant_id": "uuid"},
    "InvoiceOverdue": {"invoice_id": "uuid", "tenant_id": "uuid", "balance": "integer"},
    "SubscriptionStarted": {
        "tenant_id": "uuid", "plan": "string", "seats": "integer", "currency": "string"
    },
    "SubscriptionChanged": {"tenant_id": "uuid", "plan": "string", "seats": "integer"},
    "SubscriptionCancelled": {"tenant_id": "uuid"},
}  # fmt: skip


def project_billing(event: EventEnvelope) -> list[Change]:
    try:
        payload = contracts.parse_billing_payload(event)
    except KeyError as exc:
        raise UnknownEventError(event.event_type) from exc
    version, at = event.aggregate_version, event.occurred_at
    match payload:
        case contracts.InvoiceIssued():
            return [
                UpsertInvoice(
                    invoice_id=payload.invoice_id, tenant_id=payload.tenant_id, version=version,
                    period=payload.period, currency=payload.currency.value,
                    lines=tuple(line.model_dump() for line in payload.lines),
                    total=payload.total, issued_at=payload.issued_at, due_at=payload.due_at,
                )
            ]  # fmt: skip
        case contracts.PaymentReceived():
            return [
                UpdateInvoice(
                    payload.invoice_id, payload.tenant_id, version, at, balance=payload.balance
                )
            ]
        case contracts.InvoicePaid():
            return [
                UpdateInvoice(payload.invoice_id, payload.tenant_id, version, at, status="paid",
                              balance=0)
            ]  # fmt: skip
        case contracts.InvoiceOverdue():
            return [
                UpdateInvoice(payload.invoice_id, payload.tenant_id, version, at,
                              status="overdue", balance=payload.balance)
            ]  # fmt: skip
        case contracts.SubscriptionStarted():
            return [_subscription(payload.tenant_id, version, at, plan=payload.plan.value,
                                  seats=payload.seats, currency=payload.currency.value,
                                  status="active")]  # fmt: skip
        case contracts.SubscriptionChanged():
            return [_subscription(payload.tenant_id, version, at, plan=payload.plan.value,
                                  seats=payload.seats)]  # fmt: skip
        case contracts.SubscriptionCancelled():
            return [_subscription(payload.tenant_id, version, at, status="cancelled")]
    raise UnknownEventError(event.event_type)


def _subscription(
    tenant_id: uuid.UUID, version: int, at: datetime, **fields: Any
) -> UpsertSubscription:
    return UpsertSubscription(
        contracts.subscription_id(tenant_id), tenant_id, version, at, **fields
    )
