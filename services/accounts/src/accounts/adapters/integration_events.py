"""Domain events -> published contracts (the mapping is explicit, one case per event)."""

from __future__ import annotations

import uuid

from pydantic import BaseModel

from accounts.domain.events import ApiKeyIssued, DomainEvent, TenantCreated, UserAdded
from tessera_common.events import accounts as contracts
from tessera_common.events.envelope import EventEnvelope, new_event


def _contract(event: DomainEvent) -> tuple[BaseModel, str, uuid.UUID]:
    """The contract payload, the aggregate type and the aggregate id of a domain event."""
    match event:
        case TenantCreated():
            payload: BaseModel = contracts.TenantCreated(
                tenant_id=event.tenant_id,
                name=event.name,
                region=event.region,
                plan=event.plan,
                currency=event.currency,
                status=event.status,
                shard=event.shard,
                created_at=event.created_at,
            )
            return payload, "tenant", event.tenant_id
        case UserAdded():
            payload = contracts.UserAdded(
                user_id=event.user_id,
                tenant_id=event.tenant_id,
                email=event.email,
                name=event.name,
                role=event.role,
                status=event.status,
                created_at=event.created_at,
            )
            return payload, "user", event.user_id
        case ApiKeyIssued():
            payload = contracts.ApiKeyIssued(
                key_id=event.key_id,
                tenant_id=event.tenant_id,
                key_digest=event.key_digest,
                prefix=event.prefix,
                issued_at=event.issued_at,
            )
            return payload, "api_key", event.key_id


def to_envelope(event: DomainEvent, correlation_id: uuid.UUID) -> EventEnvelope:
    payload, aggregate_type, aggregate_id = _contract(event)
    return new_event(
        payload,
        tenant_id=event.tenant_id,
        aggregate_type=aggregate_type,
        aggregate_id=aggregate_id,
        aggregate_version=event.version,
        correlation_id=correlation_id,
    )
