"""What a projection decides to change in the read models; stores carry it out.

Every change carries the aggregate version it brings the row to; stores apply it
only over an older version, which makes every change idempotent.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class UpsertTenant:
    tenant_id: uuid.UUID
    version: int
    name: str
    region: str
    plan: str
    currency: str
    status: str
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True)
class UpdateTenant:
    """Only the fields that are not None change."""

    tenant_id: uuid.UUID
    version: int
    updated_at: datetime
    name: str | None = None
    plan: str | None = None
    status: str | None = None


@dataclass(frozen=True)
class EraseTenant:
    """Leaves a tombstone without personal data; later upserts cannot resurrect the tenant."""

    tenant_id: uuid.UUID
    version: int
    erased_at: datetime


@dataclass(frozen=True)
class UpsertUser:
    user_id: uuid.UUID
    tenant_id: uuid.UUID
    version: int
    email: str
    name: str
    role: str
    status: str
    created_at: datetime


@dataclass(frozen=True)
class UpdateUser:
    user_id: uuid.UUID
    tenant_id: uuid.UUID
    version: int
    name: str
    role: str


@dataclass(frozen=True)
class RemoveUser:
    """Leaves a tombstone (no email, no name) at the removal's version."""

    user_id: uuid.UUID
    tenant_id: uuid.UUID
    version: int


@dataclass(frozen=True)
class UpsertApiKey:
    key_id: uuid.UUID
    tenant_id: uuid.UUID
    version: int
    digest: str
    prefix: str
    issued_at: datetime
    revoked: bool


@dataclass(frozen=True)
class UpsertInvoice:
    invoice_id: uuid.UUID
    tenant_id: uuid.UUID
    version: int
    period: str
    currency: str
    lines: tuple[dict[str, object], ...]
    total: int
    issued_at: datetime
    due_at: datetime


@dataclass(frozen=True)
class UpdateInvoice:
    """Only the fields that are not None change."""

    invoice_id: uuid.UUID
    tenant_id: uuid.UUID
    version: int
    updated_at: datetime
    status: str | None = None
    balance: int | None = None


@dataclass(frozen=True)
class UpsertSubscription:
    """Only the fields that are not None change (a cancellation changes the status)."""

    subscription_id: uuid.UUID
    tenant_id: uuid.UUID
    version: int
    updated_at: datetime
    plan: str | None = None
    seats: int | None = None
    currency: str | None = None
    status: str | None = None


@dataclass(frozen=True)
class UsageContribution:
    hour: datetime  # the hour's start, UTC
    meter: str
    quantity: int


@dataclass(frozen=True)
class RecordUsage:
    """One ingested batch; its id makes recording it twice a no-op."""

    batch_id: uuid.UUID
    tenant_id: uuid.UUID
    contributions: tuple[UsageContribution, ...]


# Changes of one row each, applied by one statement.
RowChange = (
    UpsertTenant
    | UpdateTenant
    | EraseTenant
    | UpsertUser
    | UpdateUser
    | RemoveUser
    | UpsertApiKey
    | UpsertInvoice
    | UpdateInvoice
    | UpsertSubscription
)
Change = RowChange | RecordUsage
