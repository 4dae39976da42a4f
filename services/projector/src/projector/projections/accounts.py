"""Projection of `accounts.events`: a pure function from one event to read-model changes.

Every change carries the aggregate version, and stores apply a change only over an
older version, so applying the same event twice changes nothing.
"""

from __future__ import annotations

from projector.projections.changes import Change, UpsertApiKey, UpsertTenant, UpsertUser
from tessera_common.events import accounts as contracts
from tessera_common.events.envelope import EventEnvelope


class UnknownEventError(ValueError):
    """An event type this projection does not know; it goes to the dead-letter topic."""


def project_accounts(event: EventEnvelope) -> list[Change]:
    try:
        payload = contracts.parse_accounts_payload(event.event_type, event.payload)
    except KeyError as exc:
        raise UnknownEventError(event.event_type) from exc
    match payload:
        case contracts.TenantCreated():
            return [
                UpsertTenant(
                    tenant_id=payload.tenant_id,
                    version=event.aggregate_version,
                    name=payload.name,
                    region=payload.region.value,
                    plan=payload.plan.value,
                    currency=payload.currency.value,
                    status=payload.status.value,
                    created_at=payload.created_at,
                    updated_at=event.occurred_at,
                )
            ]
        case contracts.UserAdded():
            return [
                UpsertUser(
                    user_id=payload.user_id,
                    tenant_id=payload.tenant_id,
                    version=event.aggregate_version,
                    email=payload.email,
                    name=payload.name,
                    role=payload.role.value,
                    status=payload.status.value,
                    created_at=payload.created_at,
                )
            ]
        case contracts.ApiKeyIssued():
            return [
                UpsertApiKey(
                    key_id=payload.key_id,
                    tenant_id=payload.tenant_id,
                    version=event.aggregate_version,
                    digest=payload.key_digest,
                    prefix=payload.prefix,
                    issued_at=payload.issued_at,
                    revoked=False,
                )
            ]
    raise UnknownEventError(event.event_type)
