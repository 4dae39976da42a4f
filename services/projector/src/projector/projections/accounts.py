"""Projection of `accounts.events`: a pure function from one event to read-model changes."""

from __future__ import annotations

from datetime import datetime

from projector.projections.changes import (
    Change,
    EraseTenant,
    RemoveUser,
    UpdateTenant,
    UpdateUser,
    UpsertApiKey,
    UpsertTenant,
    UpsertUser,
)
from tessera_common.events import accounts as contracts
from tessera_common.events.contract import Contract
from tessera_common.events.envelope import EventEnvelope
from tessera_common.events.expectations import Consumes

# What this projection reads of each event; provider tests hold the producers to it.
CONSUMES: Consumes = {
    "TenantCreated": {
        "tenant_id": "uuid", "name": "string", "region": "string", "plan": "string",
        "currency": "string", "status": "string", "created_at": "date-time",
    },
    "TenantRenamed": {"tenant_id": "uuid", "name": "string"},
    "TenantPlanChanged": {"tenant_id": "uuid", "plan": "string"},
    "TenantSuspended": {"tenant_id": "uuid"},
    "TenantReactivated": {"tenant_id": "uuid"},
    "TenantErased": {"tenant_id": "uuid", "erased_at": "date-time"},
    "TenantMoved": {"tenant_id": "uuid"},
    "UserAdded": {
        "user_id": "uuid", "tenant_id": "uuid", "email": "string", "name": "string",
        "role": "string", "status": "string", "created_at": "date-time",
    },
    "UserUpdated": {"user_id": "uuid", "tenant_id": "uuid", "name": "string", "role": "string"},
    "UserRemoved": {"user_id": "uuid", "tenant_id": "uuid"},
    "ApiKeyIssued": {
        "key_id": "uuid", "tenant_id": "uuid", "key_digest": "string", "prefix": "string",
        "issued_at": "date-time",
    },
    "ApiKeyRevoked": {
        "key_id": "uuid", "tenant_id": "uuid", "key_digest": "string", "revoked_at": "date-time"
    },
}  # fmt: skip


class UnknownEventError(ValueError):
    """An event type this projection does not know; it goes to the dead-letter topic."""


def project_accounts(event: EventEnvelope) -> list[Change]:
    try:
        payload = contracts.parse_accounts_payload(event)
    except KeyError as exc:
        raise UnknownEventError(event.event_type) from exc
    version, at = event.aggregate_version, event.occurred_at
    changes = _tenant_changes(payload, version, at)
    if changes is None:
        changes = _member_changes(payload, version)
    if changes is None:
        raise UnknownEventError(event.event_type)
    return changes


def _tenant_changes(payload: Contract, version: int, at: datetime) -> list[Change] | None:
    """What a tenant's own event changes; None for a user's or a key's event."""
    match payload:
        case contracts.TenantCreated():
            return [
                UpsertTenant(
                    tenant_id=payload.tenant_id, version=version, name=payload.name,
                    region=payload.region.value, plan=payload.plan.value,
                    currency=payload.currency.value, status=payload.status.value,
                    created_at=payload.created_at, updated_at=at,
                )
            ]  # fmt: skip
        case contracts.TenantRenamed():
            return [UpdateTenant(payload.tenant_id, version, at, name=payload.name)]
        case contracts.TenantPlanChanged():
            return [UpdateTenant(payload.tenant_id, version, at, plan=payload.plan.value)]
        case contracts.TenantSuspended():
            return [UpdateTenant(payload.tenant_id, version, at, status="suspended")]
        case contracts.TenantReactivated():
            return [UpdateTenant(payload.tenant_id, version, at, status="active")]
        case contracts.TenantErased():
            return [EraseTenant(payload.tenant_id, version, payload.erased_at)]
        case contracts.TenantMoved():  # the read models hold no shard: a version step only
            return [UpdateTenant(payload.tenant_id, version, at)]
    return None


def _member_changes(payload: Contract, version: int) -> list[Change] | None:
    """What a user's or an API key's event changes; None for any other."""
    match payload:
        case contracts.UserAdded():
            return [
                UpsertUser(
                    user_id=payload.user_id, tenant_id=payload.tenant_id, version=version,
                    email=payload.email, name=payload.name, role=payload.role.value,
                    status=payload.status.value, created_at=payload.created_at,
                )
            ]  # fmt: skip
        case contracts.UserUpdated():
            return [
                UpdateUser(
                    payload.user_id, payload.tenant_id, version, payload.name, payload.role.value
                )
            ]
        case contracts.UserRemoved():
            return [RemoveUser(payload.user_id, payload.tenant_id, version)]
        case contracts.ApiKeyIssued():
            return [
                UpsertApiKey(
                    key_id=payload.key_id, tenant_id=payload.tenant_id, version=version,
                    digest=payload.key_digest, prefix=payload.prefix,
                    issued_at=payload.issued_at, revoked=False,
                )
            ]  # fmt: skip
        case contracts.ApiKeyRevoked():
            return [
                UpsertApiKey(
                    key_id=payload.key_id, tenant_id=payload.tenant_id, version=version,
                    digest=payload.key_digest, prefix="", issued_at=payload.revoked_at,
                    revoked=True,
                )
            ]  # fmt: skip
    return None
