"""The accounts HTTP API: tenant and user commands, and the key check for the gateway."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Path, Response

from accounts.app.add_user import AddUser, add_user
from accounts.app.create_tenant import CreateTenant, create_tenant
from accounts.app.verify_api_key import verify_api_key
from accounts.bootstrap import utc_now
from accounts.domain.tenant import Tenant
from accounts.entrypoints.deps import AccountsDep, CorrelationDep
from accounts.entrypoints.schemas import (
    AddUserRequest,
    ApiKeyBody,
    CreatedTenantBody,
    CreateTenantRequest,
    UserBody,
)
from tessera_common.consistency import HEADER as CONSISTENCY_HEADER
from tessera_common.consistency import consistency_token
from tessera_common.http.service_app import CallerDep, OperatorDep
from tessera_common.problems import Problem, not_found

router = APIRouter()

DIGEST = Path(pattern=r"^[0-9a-f]{64}$")


def _tenant_fields(tenant: Tenant) -> dict[str, object]:
    return {
        "tenant_id": tenant.id,
        "name": tenant.name,
        "region": tenant.region,
        "plan": tenant.plan,
        "currency": tenant.currency,
        "status": tenant.status,
        "shard": tenant.shard,
        "version": tenant.version,
        "created_at": tenant.created_at,
    }


@router.post("/v1/tenants", status_code=201, response_model=CreatedTenantBody)
async def post_tenant(
    body: CreateTenantRequest,
    *,
    response: Response,
    accounts: AccountsDep,
    _: OperatorDep,
    correlation: CorrelationDep,
) -> CreatedTenantBody:
    """Create a tenant on a shard of its region, with its first API key."""
    cmd = CreateTenant(body.name, body.region, body.plan, body.currency, correlation)
    result = await create_tenant(
        cmd, accounts.unit_of_work, accounts.directory, accounts.placer, utc_now
    )
    response.headers["Location"] = f"/v1/tenants/{result.tenant.id}"
    response.headers["ETag"] = f'"{result.tenant.version}"'
    response.headers[CONSISTENCY_HEADER] = consistency_token(result.events)
    return CreatedTenantBody(
        **_tenant_fields(result.tenant),
        api_key=result.api_key,
        api_key_id=result.api_key_id,
    )


@router.post("/v1/tenants/{tenant_id}/users", status_code=201, response_model=UserBody)
async def post_user(
    tenant_id: uuid.UUID,
    body: AddUserRequest,
    *,
    response: Response,
    accounts: AccountsDep,
    caller: CallerDep,
    correlation: CorrelationDep,
) -> UserBody:
    """Add a user to a tenant."""
    if not caller.may_access(tenant_id):
        raise not_found("Tenant")
    cmd = AddUser(tenant_id, body.email, body.name, body.role, correlation)
    user, events = await add_user(cmd, accounts.unit_of_work, accounts.directory, utc_now)
    response.headers["Location"] = f"/v1/tenants/{tenant_id}/users/{user.id}"
    response.headers[CONSISTENCY_HEADER] = consistency_token(events)
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


@router.get("/internal/tenants/{tenant_id}/api-keys/{digest}", response_model=ApiKeyBody)
async def get_api_key(
    tenant_id: uuid.UUID, accounts: AccountsDep, _: OperatorDep, digest: str = DIGEST
) -> ApiKeyBody:
    """The authoritative state of a key, by its SHA-256 digest (for the gateway)."""
    key = await verify_api_key(tenant_id, digest, accounts.unit_of_work, accounts.directory)
    if key is None:
        raise Problem(404, "not-found", "API key not found")
    return ApiKeyBody(key_id=key.id, tenant_id=key.tenant_id, revoked=key.revoked_at is not None)
