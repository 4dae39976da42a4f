"""The tenant aggregate: a customer organisation, living on one shard of its region."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime

from accounts.domain.api_key import ApiKey, generate_api_key
from accounts.domain.errors import TenantNotActiveError
from accounts.domain.events import ApiKeyIssued, DomainEvent, TenantCreated, UserAdded
from accounts.domain.fields import clean_email, clean_name
from accounts.domain.user import User
from tessera_common.vocabulary import (
    Currency,
    Plan,
    Region,
    TenantStatus,
    UserRole,
    UserStatus,
)


@dataclass
class Tenant:
    id: uuid.UUID
    name: str
    region: Region
    plan: Plan
    currency: Currency
    status: TenantStatus
    shard: str
    version: int
    created_at: datetime
    updated_at: datetime
    events: list[DomainEvent] = field(default_factory=list, repr=False, compare=False)

    @classmethod
    def create(
        cls,
        *,
        tenant_id: uuid.UUID,
        name: str,
        region: Region,
        plan: Plan,
        currency: Currency,
        shard: str,
        now: datetime,
    ) -> Tenant:
        tenant = cls(
            id=tenant_id,
            name=clean_name("name", name),
            region=region,
            plan=plan,
            currency=currency,
            status=TenantStatus.ACTIVE,
            shard=shard,
            version=1,
            created_at=now,
            updated_at=now,
        )
        tenant.events.append(
            TenantCreated(
                tenant_id=tenant.id,
                version=tenant.version,
                name=tenant.name,
                region=region,
                plan=plan,
                currency=currency,
                status=tenant.status,
                shard=shard,
                created_at=now,
            )
        )
        return tenant

    def issue_api_key(self, now: datetime) -> tuple[ApiKey, str]:
        """A new key for this tenant and its plaintext, to be shown once."""
        self._require_active()
        key, plaintext = generate_api_key(self.id, now)
        self.events.append(
            ApiKeyIssued(
                tenant_id=self.id,
                key_id=key.id,
                version=1,
                key_digest=key.digest,
                prefix=key.prefix,
                issued_at=now,
            )
        )
        return key, plaintext

    def add_user(
        self, *, user_id: uuid.UUID, email: str, name: str, role: UserRole, now: datetime
    ) -> User:
        self._require_active()
        user = User(
            id=user_id,
            tenant_id=self.id,
            email=clean_email(email),
            name=clean_name("name", name),
            role=role,
            status=UserStatus.ACTIVE,
            version=1,
            created_at=now,
            updated_at=now,
        )
        self.events.append(
            UserAdded(
                tenant_id=self.id,
                user_id=user.id,
                version=user.version,
                email=user.email,
                name=user.name,
                role=user.role,
                status=user.status,
                created_at=now,
            )
        )
        return user

    def _require_active(self) -> None:
        if self.status is not TenantStatus.ACTIVE:
            raise TenantNotActiveError(f"tenant {self.id} is {self.status.value}")
