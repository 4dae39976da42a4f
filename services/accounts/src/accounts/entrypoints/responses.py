"""Response bodies built from accounts aggregates."""

from __future__ import annotations

from accounts.domain.tenant import Tenant
from accounts.domain.user import User
from accounts.entrypoints.schemas import TenantBody, UserBody


def tenant_body(tenant: Tenant) -> TenantBody:
    return TenantBody(
        tenant_id=tenant.id,
        name=tenant.name,
        region=tenant.region,
        plan=tenant.plan,
        currency=tenant.currency,
        status=tenant.status,
        shard=tenant.shard,
        version=tenant.version,
        created_at=tenant.created_at,
    )


def user_body(user: User) -> UserBody:
    return UserBody(
        user_id=user.id,
        tenant_id=user.tenant_id,
        email=user.email,
        name=user.name,
        role=user.role,
        status=user.status,
        version=user.version,
        created_at=user.created_at,
    )
