"""What every command response carries, and the bodies built from aggregates."""

from __future__ import annotations

from collections.abc import Sequence

from fastapi import Response

from accounts.domain.tenant import Tenant
from accounts.domain.user import User
from accounts.entrypoints.schemas import TenantBody, UserBody
from tessera_common.consistency import HEADER as CONSISTENCY_HEADER
from tessera_common.consistency import consistency_token
from tessera_common.events.envelope import EventEnvelope


def command_headers(
    response: Response,
    events: Sequence[EventEnvelope],
    *,
    etag: int | None = None,
    location: str | None = None,
) -> None:
    response.headers[CONSISTENCY_HEADER] = consistency_token(events)
    if etag is not None:
        response.headers["ETag"] = f'"{etag}"'
    if location is not None:
        response.headers["Location"] = location


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
