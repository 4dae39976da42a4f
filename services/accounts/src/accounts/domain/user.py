"""A user belongs to one tenant; its email is unique within that tenant."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from tessera_common.vocabulary import UserRole, UserStatus


@dataclass
class User:
    id: uuid.UUID
    tenant_id: uuid.UUID
    email: str
    name: str
    role: UserRole
    status: UserStatus
    version: int
    created_at: datetime
    updated_at: datetime
