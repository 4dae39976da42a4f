"""What a projection decides to change in the read models; stores carry it out."""

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
class UpsertApiKey:
    key_id: uuid.UUID
    tenant_id: uuid.UUID
    version: int
    digest: str
    prefix: str
    issued_at: datetime
    revoked: bool


Change = UpsertTenant | UpsertUser | UpsertApiKey
