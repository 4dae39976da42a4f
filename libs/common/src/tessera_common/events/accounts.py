"""Contracts of the accounts bounded context, published on `accounts.events`."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import ClassVar

from tessera_common.events.contract import Contract
from tessera_common.events.envelope import EventEnvelope
from tessera_common.events.upcasting import parse_as
from tessera_common.vocabulary import Currency, Plan, Region, TenantStatus, UserRole, UserStatus


class TenantCreated(Contract):
    event_type: ClassVar[str] = "TenantCreated"

    tenant_id: uuid.UUID
    name: str
    region: Region
    plan: Plan
    currency: Currency
    status: TenantStatus
    shard: str
    created_at: datetime


class UserAdded(Contract):
    event_type: ClassVar[str] = "UserAdded"

    user_id: uuid.UUID
    tenant_id: uuid.UUID
    email: str
    name: str
    role: UserRole
    status: UserStatus
    created_at: datetime


class ApiKeyIssued(Contract):
    """Carries the key's SHA-256 digest, never the key itself."""

    event_type: ClassVar[str] = "ApiKeyIssued"

    key_id: uuid.UUID
    tenant_id: uuid.UUID
    key_digest: str
    prefix: str
    issued_at: datetime


class TenantRenamed(Contract):
    event_type: ClassVar[str] = "TenantRenamed"

    tenant_id: uuid.UUID
    name: str


class TenantPlanChanged(Contract):
    event_type: ClassVar[str] = "TenantPlanChanged"

    tenant_id: uuid.UUID
    plan: Plan
    previous_plan: Plan


class TenantSuspended(Contract):
    event_type: ClassVar[str] = "TenantSuspended"

    tenant_id: uuid.UUID
    reason: str


class TenantReactivated(Contract):
    event_type: ClassVar[str] = "TenantReactivated"

    tenant_id: uuid.UUID


class TenantErased(Contract):
    """GDPR erasure: every consumer deletes the tenant's personal data."""

    event_type: ClassVar[str] = "TenantErased"

    tenant_id: uuid.UUID
    erased_at: datetime


class TenantMoved(Contract):
    """The tenant's rows moved to another shard (an operator's move, or its isolation):
    published by the new shard, after every event the old one held."""

    event_type: ClassVar[str] = "TenantMoved"

    tenant_id: uuid.UUID
    source: str
    target: str
    moved_at: datetime


class UserUpdated(Contract):
    """The user's mutable fields after the change."""

    event_type: ClassVar[str] = "UserUpdated"

    user_id: uuid.UUID
    tenant_id: uuid.UUID
    name: str
    role: UserRole


class UserRemoved(Contract):
    event_type: ClassVar[str] = "UserRemoved"

    user_id: uuid.UUID
    tenant_id: uuid.UUID


class ApiKeyRevoked(Contract):
    event_type: ClassVar[str] = "ApiKeyRevoked"

    key_id: uuid.UUID
    tenant_id: uuid.UUID
    key_digest: str
    revoked_at: datetime


ACCOUNTS_CONTRACTS: dict[str, type[Contract]] = {
    c.event_type: c
    for c in (
        TenantCreated,
        TenantRenamed,
        TenantPlanChanged,
        TenantSuspended,
        TenantReactivated,
        TenantErased,
        TenantMoved,
        UserAdded,
        UserUpdated,
        UserRemoved,
        ApiKeyIssued,
        ApiKeyRevoked,
    )
}


def parse_accounts_payload(event: EventEnvelope) -> Contract:
    """The typed payload of an accounts event, upcast to its current version; KeyError for an
    unknown type."""
    return parse_as(ACCOUNTS_CONTRACTS[event.event_type], event)
