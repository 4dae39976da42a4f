"""Load and save accounts aggregates on one shard's connection."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from accounts.adapters.orm import api_keys, tenants, users
from accounts.domain.api_key import ApiKey
from accounts.domain.errors import DuplicateEmailError
from accounts.domain.tenant import Tenant
from accounts.domain.user import User
from tessera_common.vocabulary import Currency, Plan, Region, TenantStatus


class TenantRepository:
    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def get(self, tenant_id: uuid.UUID) -> Tenant | None:
        row = (await self._conn.execute(select(tenants).where(tenants.c.id == tenant_id))).first()
        if row is None:
            return None
        return Tenant(
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


class UserRepository:
    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def add(self, user: User) -> None:
        try:
            async with self._conn.begin_nested():
                await self._conn.execute(
                    users.insert().values(
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
                )
        except IntegrityError as exc:
            raise DuplicateEmailError(user.email) from exc


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
        query = select(api_keys).where(api_keys.c.digest == digest)
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
