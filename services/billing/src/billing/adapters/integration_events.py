"""Billing domain events -> published contracts (one case per event)."""

from __future__ import annotations

import uuid

from pydantic import BaseModel

from billing.domain import events as domain
from tessera_common.events import billing as contracts
from tessera_common.events.envelope import EventEnvelope, new_event


def _contract(event: domain.SubscriptionEvent) -> BaseModel:
    tenant = event.tenant_id
    match event:
        case domain.SubscriptionStarted():
            return contracts.SubscriptionStarted(
                tenant_id=tenant, plan=event.plan, seats=event.seats, currency=event.currency,
                started_at=event.started_at,
            )  # fmt: skip
        case domain.SubscriptionChanged():
            return contracts.SubscriptionChanged(
                tenant_id=tenant, plan=event.plan, seats=event.seats,
                previous_plan=event.previous_plan, previous_seats=event.previous_seats,
            )  # fmt: skip
        case domain.SubscriptionCancelled():
            return contracts.SubscriptionCancelled(tenant_id=tenant)


def to_envelope(
    event: domain.SubscriptionEvent, correlation_id: uuid.UUID, causation_id: uuid.UUID | None
) -> EventEnvelope:
    return new_event(
        _contract(event),
        tenant_id=event.tenant_id,
        aggregate_type="subscription",
        aggregate_id=event.tenant_id,  # one subscription per tenant
        aggregate_version=event.version,
        correlation_id=correlation_id,
        causation_id=causation_id,
    )
