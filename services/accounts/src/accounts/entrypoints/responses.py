"""Command responses: rendered once, sent, and stored under an Idempotency-Key."""

from __future__ import annotations

from collections.abc import Sequence

from fastapi import Response
from pydantic import BaseModel

from accounts.domain.tenant import Tenant
from accounts.domain.user import User
from accounts.entrypoints.schemas import TenantBody, UserBody
from tessera_common.consistency import HEADER as CONSISTENCY_HEADER
from tessera_common.consistency import consistency_token
from tessera_common.events.envelope import EventEnvelope
from tessera_common.idempotency import StoredResponse

REPLAYED_HEADER = "Idempotent-Replayed"


def rendered(
    status: int,
    body: BaseModel | None,
    events: Sequence[EventEnvelope],
    *,
    etag: int | None = None,
    location: str | None = None,
) -> StoredResponse:
    headers = {CONSISTENCY_HEADER: consistency_token(events)}
    if etag is not None:
        headers["ETag"] = f'"{etag}"'
    if location is not None:
        headers["Location"] = location
    if body is None:
        return StoredResponse(status, headers, b"")
    headers["Content-Type"] = "application/json"
    return StoredResponse(status, headers, body.model_dump_json().encode())


def as_response(stored: StoredResponse, *, replayed: bool = False) -> Response:
    headers = {**stored.headers, REPLAYED_HEADER: "true"} if replayed else stored.headers
    return Response(stored.body or None, stored.status, headers)


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
