"""Billing domain events -> published contracts (one case per event)."""

from __future__ import annotations

import uuid

from pydantic import BaseModel

from billing.domain import events as domain
from tessera_common.events import billing as contracts
from tessera_common.events.envelope import IntegrationEvent


def _contract(event: domain.DomainEvent) -> tuple[BaseModel, str, uuid.UUID]:
    """The contract payload, the aggregate type and the aggregate id of a domain event."""
    tenant = event.tenant_id
    match event:
        case domain.SubscriptionStarted():
            return contracts.SubscriptionStarted(
                tenant_id=tenant, plan=event.plan, seats=event.seats, currency=event.currency,
                started_at=event.started_at,
            ), "subscription", contracts.subscription_id(tenant)  # fmt: skip
        case domain.SubscriptionChanged():
            return contracts.SubscriptionChanged(
                tenant_id=tenant, plan=event.plan, seats=event.seats,
                previous_plan=event.previous_plan, previous_seats=event.previous_seats,
            ), "subscription", contracts.subscription_id(tenant)  # fmt: skip
        case domain.SubscriptionCancelled():
            payload = contracts.SubscriptionCancelled(tenant_id=tenant)
            return payload, "subscription", contracts.subscription_id(tenant)
        case domain.InvoiceIssued():
            return contracts.InvoiceIssued(
                invoice_id=event.invoice_id, tenant_id=tenant, period=str(event.period),
                currency=event.currency, total=event.total, issued_at=event.issued_at,
                due_at=event.due_at,
                lines=[
                    contracts.InvoiceLine(
                        kind=line.kind.value, description=line.description,
                        quantity=line.quantity, unit_amount=line.unit_amount, amount=line.amount,
                    )
                    for line in event.lines
                ],
            ), "invoice", event.invoice_id  # fmt: skip
        case domain.PaymentReceived():
            return contracts.PaymentReceived(
                payment_id=event.payment_id, invoice_id=event.invoice_id, tenant_id=tenant,
                amount=event.amount, currency=event.currency, balance=event.balance,
                received_at=event.received_at,
            ), "invoice", event.invoice_id  # fmt: skip
        case domain.InvoicePaid():
            return contracts.InvoicePaid(
                invoice_id=event.invoice_id, tenant_id=tenant, total=event.total,
                currency=event.currency, paid_at=event.paid_at,
            ), "invoice", event.invoice_id  # fmt: skip
        case domain.InvoiceOverdue():
            return contracts.InvoiceOverdue(
                invoice_id=event.invoice_id, tenant_id=tenant, balance=event.balance,
                currency=event.currency, due_at=event.due_at,
            ), "invoice", event.invoice_id  # fmt: skip


def integration_event(event: domain.DomainEvent) -> IntegrationEvent:
    payload, aggregate_type, aggregate_id = _contract(event)
    return IntegrationEvent(payload, event.tenant_id, aggregate_type, aggregate_id, event.version)
