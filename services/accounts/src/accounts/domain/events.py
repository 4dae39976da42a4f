"""Domain events of the accounts service: facts, past tense, stdlib only."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from tessera_common.vocabulary import Currency, Plan, Region, TenantStatus, UserRole, UserStatus


@dataclass(frozen=True)
class TenantCreated:
    tenant_id: uuid.UUID
    version: int
    name: str
    region: Region
    plan: Plan
    currency: Currency
    status: TenantStatus
    shard: str
    created_at: datetime


@dataclass(frozen=True)
class UserAdded:
    tenant_id: uuid.UUID
    user_id: uuid.UUID
    version: int
    email: str
    name: str
    role: UserRole
    status: UserStatus
    created_at: datetime


@dataclass(frozen=True)
class ApiKeyIssued:
    tenant_id: uuid.UUID
    key_id: uuid.UUID
    version: int
    key_digest: str
    prefix: str
    issued_at: datetime


@dataclass(frozen=True)
class TenantRenamed:
    tenant_id: uuid.UUID
    version: int
    name: str


@dataclass(frozen=True)
class TenantPlanChanged:
    tenant_id: uuid.UUID
    version: int
    plan: Plan
    previous_plan: Plan


@dataclass(frozen=True)
class TenantSuspended:
    tenant_id: uuid.UUID
    version: int
    reason: str


@dataclass(frozen=True)
class TenantReactivated:
    tenant_id: uuid.UUID
    version: int


@dataclass(frozen=True)
class TenantMoved:
    tenant_id: uuid.UUID
    version: int
    source: str
    target: str
    moved_at: datetime


@dataclass(frozen=True)
class TenantErased:
    tenant_id: uuid.UUID
    version: int
    erased_at: datetime


@dataclass(frozen=True)
class UserUpdated:
    tenant_id: uuid.UUID
    user_id: uuid.UUID
    version: int
    name: str
    role: UserRole


@dataclass(frozen=True)
class UserRemoved:
    tenant_id: uuid.UUID
    user_id: uuid.UUID
    version: int


@dataclass(frozen=True)
class ApiKeyRevoked:
    tenant_id: uuid.UUID
    key_id: uuid.UUID
    version: int
    key_digest: str
    revoked_at: datetime


DomainEvent = (
    TenantCreated
    | TenantRenamed
    | TenantPlanChanged
    | TenantSuspended
    | TenantReactivated
    | TenantErased
    | TenantMoved
    | UserAdded
    | UserUpdated
    | UserRemoved
    | ApiKeyIssued
    | ApiKeyRevoked
)
