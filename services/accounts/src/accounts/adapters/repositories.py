"""Load and save accounts aggregates on one shard's connection."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import Select, delete, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncConnection

from accounts.adapters.orm import api_keys, tenants, users
from accounts.domain.api_key import ApiKey
from accounts.domain.errors import ConcurrentUpdateError, DuplicateEmailError
from accounts.domain.tenant import Tenant
from accounts.domain.user import User
from tessera_common.commands.aggregates import Seen
from tessera_common.idempotency.table import idempotency_keys
from tessera_common.outbox.table import outbox
from tessera_common.vocabulary import Currency, Plan, Region, TenantStatus, UserRole, UserStatus


class TenantRepository:
    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn
        self.seen: Seen[Tenant] = Seen()

    async def get(self, tenant_id: uuid.UUID) -> Tenant | None:
        row = (await self._conn.execute(select(tenants).where(tenants.c.id == tenant_id))).first()
        if row is None:
            return None
        return self.seen.add(
            Tenant(
                id=row.id,
                name=row.name,
                region=Region(row.region),
                plan=Plan(row.plan),
                currency=Currency(row.currency),
                status=TenantStatus(row.status),
                shard=row.shard,
                version=row.version,
                created_at=row.created_at,
                updated_at=row.updated_at,
            )
        )

    async def add(self, tenant: Tenant) -> None:
        await self._conn.execute(
            tenants.insert().values(
                id=tenant.id,
                name=tenant.name,
                region=tenant.region.value,
                plan=tenant.plan.value,
                currency=tenant.currency.value,
                status=tenant.status.value,
                shard=tenant.shard,
                version=tenant.version,
                created_at=tenant.created_at,
                updated_at=tenant.updated_at,
            )
        )
        self.seen.add(tenant)

    async def save_changes(self) -> None:
        """Write each tenant that changed, over the version it was read at (erased: erase)."""
        for tenant, read_version in self.seen.changed():
            if tenant.erased:
                await self.erase(tenant, read_version)
            else:
                await self.update(tenant, read_version)

    async def update(self, tenant: Tenant, expected_version: int) -> None:
        """Write the tenant if nobody else did since it was read; else ConcurrentUpdateError."""
        result = await self._conn.execute(
            update(tenants)
            .where(tenants.c.id == tenant.id, tenants.c.version == expected_version)
            .values(
                name=tenant.name,
                plan=tenant.plan.value,
                status=tenant.status.value,
                shard=tenant.shard,
                version=tenant.version,
                updated_at=tenant.updated_at,
            )
        )
        if result.rowcount != 1:
            raise ConcurrentUpdateError(f"tenant {tenant.id} changed concurrently")

    async def erase(self, tenant: Tenant, expected_version: int) -> None:
        """Delete the tenant's personal data, and its events not yet pruned, keep a tombstone."""
        await self._conn.execute(delete(users).where(users.c.tenant_id == tenant.id))
        await self._conn.execute(delete(api_keys).where(api_keys.c.tenant_id == tenant.id))
        await self._conn.execute(delete(outbox).where(outbox.c.message_key == str(tenant.id)))
        await self._conn.execute(
            delete(idempotency_keys).where(idempotency_keys.c.tenant_id == tenant.id)
        )
        await self.update(tenant, expected_version)


class UserRepository:
    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def add(self, user: User) -> None:
        """Insert the user; an email the tenant already has is a DuplicateEmailError (found
        by ON CONFLICT in the one statement: no savepoint around it)."""
        inserted = await self._conn.execute(
            insert(users)
            .values(
                id=user.id,
                tenant_id=user.tenant_id,
                email=user.email,
                name=user.name,
                role=user.role.value,
                status=user.status.value,
                version=user.version,
                created_at=user.created_at,
                updated_at=user.updated_at,
            )
            .on_conflict_do_nothing(index_elements=[users.c.tenant_id, users.c.email])
            .returning(users.c.id)
        )
        if inserted.first() is None:
            raise DuplicateEmailError(user.email)

    async def get(self, tenant_id: uuid.UUID, user_id: uuid.UUID) -> User | None:
        query = select(users).where(users.c.tenant_id == tenant_id, users.c.id == user_id)
        row = (await self._conn.execute(query)).first()
        if row is None:
            return None
        return User(
            id=row.id,
            tenant_id=row.tenant_id,
            email=row.email,
            name=row.name,
            role=UserRole(row.role),
            status=UserStatus(row.status),
            version=row.version,
            created_at=row.created_at,
            updated_at=row.updated_at,
        )

    async def update(self, user: User, expected_version: int) -> None:
        result = await self._conn.execute(
            update(users)
            .where(users.c.id == user.id, users.c.version == expected_version)
            .values(
                name=user.name, role=user.role.value, version=user.version,
                updated_at=user.updated_at,
            )
        )  # fmt: skip
        if result.rowcount != 1:
            raise ConcurrentUpdateError(f"user {user.id} changed concurrently")

    async def remove(self, user: User, expected_version: int) -> None:
        result = await self._conn.execute(
            delete(users).where(users.c.id == user.id, users.c.version == expected_version)
        )
        if result.rowcount != 1:
            raise ConcurrentUpdateError(f"user {user.id} changed concurrently")


class ApiKeyRepository:
    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def add(self, key: ApiKey) -> None:
        await self._conn.execute(
            api_keys.insert().values(
                id=key.id,
                tenant_id=key.tenant_id,
                digest=key.digest,
                prefix=key.prefix,
                issued_at=key.issued_at,
            )
        )

    async def find_by_digest(self, digest: str) -> ApiKey | None:
        return await self._one(select(api_keys).where(api_keys.c.digest == digest))

    async def get(self, tenant_id: uuid.UUID, key_id: uuid.UUID) -> ApiKey | None:
        query = select(api_keys).where(api_keys.c.tenant_id == tenant_id, api_keys.c.id == key_id)
        return await self._one(query)

    async def revoke(self, key: ApiKey) -> None:
        await self._conn.execute(
            update(api_keys).where(api_keys.c.id == key.id).values(revoked_at=key.revoked_at)
        )

    async def _one(self, query: Select[Any]) -> ApiKey | None:
        row = (await self._conn.execute(query)).first()
        if row is None:
            return None
        return ApiKey(
            id=row.id,
            tenant_id=row.tenant_id,
            digest=row.digest,
            prefix=row.prefix,
            issued_at=row.issued_at,
            revoked_at=row.revoked_at,
        )
