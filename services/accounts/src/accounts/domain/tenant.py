"""The tenant aggregate: a customer organisation, living on one shard of its region."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field, replace
from datetime import datetime

from accounts.domain.api_key import ApiKey, generate_api_key
from accounts.domain.errors import StaleVersionError, TenantNotActiveError, TenantNotFoundError
from accounts.domain.events import (
    ApiKeyIssued,
    ApiKeyRevoked,
    DomainEvent,
    TenantCreated,
    TenantErased,
    TenantMoved,
    TenantPlanChanged,
    TenantReactivated,
    TenantRenamed,
    TenantSuspended,
    UserAdded,
    UserRemoved,
    UserUpdated,
)
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

    @property
    def erased(self) -> bool:
        return self.status is TenantStatus.ERASED

    def require_version(self, expected: int) -> None:
        """Optimistic concurrency: the caller must have seen the current version."""
        if expected != self.version:
            raise StaleVersionError(expected, self.version)

    def update_profile(self, *, name: str | None, plan: Plan | None, now: datetime) -> None:
        """Rename and/or change plan; each change is one event and one version."""
        self._require_active()
        if name is not None and (cleaned := clean_name("name", name)) != self.name:
            self.name = cleaned
            self._bump(now)
            self.events.append(TenantRenamed(self.id, self.version, cleaned))
        if plan is not None and plan is not self.plan:
            previous, self.plan = self.plan, plan
            self._bump(now)
            self.events.append(TenantPlanChanged(self.id, self.version, plan, previous))

    def suspend(self, reason: str, now: datetime) -> None:
        """Idempotent: suspending a suspended tenant changes nothing."""
        self._require_not_erased()
        if self.status is TenantStatus.SUSPENDED:
            return
        self.status = TenantStatus.SUSPENDED
        self._bump(now)
        self.events.append(TenantSuspended(self.id, self.version, reason))

    def reactivate(self, now: datetime) -> None:
        """Idempotent: reactivating an active tenant changes nothing."""
        self._require_not_erased()
        if self.status is TenantStatus.ACTIVE:
            return
        self.status = TenantStatus.ACTIVE
        self._bump(now)
        self.events.append(TenantReactivated(self.id, self.version))

    def moved_to(self, shard: str, now: datetime) -> None:
        """Its rows now live on `shard` (the mover copied them there). Idempotent: a move
        resumed after this step records nothing twice."""
        if shard == self.shard:
            return
        source, self.shard = self.shard, shard
        self._bump(now)
        self.events.append(TenantMoved(self.id, self.version, source, shard, now))

    def erase(self, now: datetime) -> None:
        """GDPR erasure: only a tombstone without personal data remains."""
        self._require_not_erased()
        self.status = TenantStatus.ERASED
        self.name = ""
        self._bump(now)
        self.events.append(TenantErased(self.id, self.version, now))

    def update_user(
        self, user: User, *, name: str | None, role: UserRole | None, now: datetime
    ) -> None:
        self._require_active()
        new_name = clean_name("name", name) if name is not None else user.name
        new_role = role if role is not None else user.role
        if (new_name, new_role) == (user.name, user.role):
            return
        user.name, user.role = new_name, new_role
        user.version += 1
        user.updated_at = now
        self.events.append(UserUpdated(self.id, user.id, user.version, user.name, user.role))

    def remove_user(self, user: User, now: datetime) -> None:
        self._require_active()
        user.version += 1
        user.updated_at = now
        self.events.append(UserRemoved(self.id, user.id, user.version))

    def revoke_api_key(self, key: ApiKey, now: datetime) -> ApiKey:
        """The revoked key; revoking twice changes nothing."""
        self._require_not_erased()
        if key.revoked_at is not None:
            return key
        revoked = replace(key, revoked_at=now)
        self.events.append(ApiKeyRevoked(self.id, key.id, 2, key.digest, now))
        return revoked

    def _bump(self, now: datetime) -> None:
        self.version += 1
        self.updated_at = now

    def _require_active(self) -> None:
        self._require_not_erased()
        if self.status is not TenantStatus.ACTIVE:
            raise TenantNotActiveError(f"tenant {self.id} is {self.status.value}")

    def _require_not_erased(self) -> None:
        if self.erased:
            raise TenantNotFoundError(str(self.id))
