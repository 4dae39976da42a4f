"""Domain events -> published contracts (the mapping is explicit, one case per event)."""

from __future__ import annotations

import uuid

from pydantic import BaseModel

from accounts.domain import events as domain
from tessera_common.events import accounts as contracts
from tessera_common.events.envelope import IntegrationEvent


def _contract(event: domain.DomainEvent) -> tuple[BaseModel, str, uuid.UUID]:
    """The contract payload, the aggregate type and the aggregate id of a domain event."""
    tenant = event.tenant_id
    payload: BaseModel
    match event:
        case domain.TenantCreated():
            return contracts.TenantCreated(
                tenant_id=tenant, name=event.name, region=event.region, plan=event.plan,
                currency=event.currency, status=event.status, shard=event.shard,
                created_at=event.created_at,
            ), "tenant", tenant  # fmt: skip
        case domain.TenantRenamed():
            return contracts.TenantRenamed(tenant_id=tenant, name=event.name), "tenant", tenant
        case domain.TenantPlanChanged():
            payload = contracts.TenantPlanChanged(
                tenant_id=tenant, plan=event.plan, previous_plan=event.previous_plan
            )
            return payload, "tenant", tenant
        case domain.TenantSuspended():
            payload = contracts.TenantSuspended(tenant_id=tenant, reason=event.reason)
            return payload, "tenant", tenant
        case domain.TenantReactivated():
            return contracts.TenantReactivated(tenant_id=tenant), "tenant", tenant
        case domain.TenantMoved():
            payload = contracts.TenantMoved(
                tenant_id=tenant, source=event.source, target=event.target,
                moved_at=event.moved_at,
            )  # fmt: skip
            return payload, "tenant", tenant
        case domain.TenantErased():
            payload = contracts.TenantErased(tenant_id=tenant, erased_at=event.erased_at)
            return payload, "tenant", tenant
        case domain.UserAdded():
            return contracts.UserAdded(
                user_id=event.user_id, tenant_id=tenant, email=event.email, name=event.name,
                role=event.role, status=event.status, created_at=event.created_at,
            ), "user", event.user_id  # fmt: skip
        case domain.UserUpdated():
            payload = contracts.UserUpdated(
                user_id=event.user_id, tenant_id=tenant, name=event.name, role=event.role
            )
            return payload, "user", event.user_id
        case domain.UserRemoved():
            payload = contracts.UserRemoved(user_id=event.user_id, tenant_id=tenant)
            return payload, "user", event.user_id
        case domain.ApiKeyIssued():
            return contracts.ApiKeyIssued(
                key_id=event.key_id, tenant_id=tenant, key_digest=event.key_digest,
                prefix=event.prefix, issued_at=event.issued_at,
            ), "api_key", event.key_id  # fmt: skip
        case domain.ApiKeyRevoked():
            return contracts.ApiKeyRevoked(
                key_id=event.key_id, tenant_id=tenant, key_digest=event.key_digest,
                revoked_at=event.revoked_at,
            ), "api_key", event.key_id  # fmt: skip


def integration_event(event: domain.DomainEvent) -> IntegrationEvent:
    payload, aggregate_type, aggregate_id = _contract(event)
    return IntegrationEvent(payload, event.tenant_id, aggregate_type, aggregate_id, event.version)
