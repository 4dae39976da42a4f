"""Tenant commands: create, update (If-Match), suspend, reactivate, erase."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Response

from accounts.app.change_tenant_status import ChangeTenantStatus, Lifecycle, change_tenant_status
from accounts.app.create_tenant import CreateTenant, create_tenant
from accounts.app.update_tenant import UpdateTenant, update_tenant
from accounts.bootstrap import utc_now
from accounts.entrypoints.deps import AccountsDep, CorrelationDep
from accounts.entrypoints.preconditions import RequiredVersion
from accounts.entrypoints.responses import command_headers, tenant_body
from accounts.entrypoints.schemas import (
    CreatedTenantBody,
    CreateTenantRequest,
    SuspendRequest,
    TenantBody,
    UpdateTenantRequest,
)
from tessera_common.http.service_app import CallerDep, OperatorDep
from tessera_common.problems import not_found

router = APIRouter(prefix="/v1/tenants", tags=["tenants"])


@router.post("", status_code=201, response_model=CreatedTenantBody)
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
    tenant = result.tenant
    command_headers(
        response, result.events, etag=tenant.version, location=f"/v1/tenants/{tenant.id}"
    )
    return CreatedTenantBody(
        **tenant_body(tenant).model_dump(), api_key=result.api_key, api_key_id=result.api_key_id
    )


@router.patch("/{tenant_id}", response_model=TenantBody)
async def patch_tenant(
    tenant_id: uuid.UUID,
    body: UpdateTenantRequest,
    *,
    version: RequiredVersion,
    response: Response,
    accounts: AccountsDep,
    caller: CallerDep,
    correlation: CorrelationDep,
) -> TenantBody:
    """Rename a tenant or change its plan, over the version in If-Match."""
    if not caller.may_access(tenant_id):
        raise not_found("Tenant")
    cmd = UpdateTenant(tenant_id, version, body.name, body.plan, correlation)
    outcome = await update_tenant(cmd, accounts.unit_of_work, accounts.directory, utc_now)
    command_headers(response, outcome.events, etag=outcome.tenant.version)
    return tenant_body(outcome.tenant)


async def _lifecycle(
    tenant_id: uuid.UUID,
    action: Lifecycle,
    *,
    reason: str,
    response: Response,
    accounts: AccountsDep,
    correlation: uuid.UUID,
) -> TenantBody:
    cmd = ChangeTenantStatus(tenant_id, action, reason, correlation)
    outcome = await change_tenant_status(cmd, accounts.unit_of_work, accounts.directory, utc_now)
    command_headers(response, outcome.events, etag=outcome.tenant.version)
    return tenant_body(outcome.tenant)


@router.post("/{tenant_id}/suspend", response_model=TenantBody)
async def suspend(
    tenant_id: uuid.UUID,
    *,
    body: SuspendRequest | None = None,
    response: Response,
    accounts: AccountsDep,
    _: OperatorDep,
    correlation: CorrelationDep,
) -> TenantBody:
    """Suspend a tenant (idempotent)."""
    reason = (body or SuspendRequest()).reason
    return await _lifecycle(
        tenant_id, Lifecycle.SUSPEND, reason=reason, response=response, accounts=accounts,
        correlation=correlation,
    )  # fmt: skip


@router.post("/{tenant_id}/reactivate", response_model=TenantBody)
async def reactivate(
    tenant_id: uuid.UUID,
    *,
    response: Response,
    accounts: AccountsDep,
    _: OperatorDep,
    correlation: CorrelationDep,
) -> TenantBody:
    """Reactivate a suspended tenant (idempotent)."""
    return await _lifecycle(
        tenant_id, Lifecycle.REACTIVATE, reason="", response=response, accounts=accounts,
        correlation=correlation,
    )  # fmt: skip


@router.delete("/{tenant_id}", status_code=204)
async def erase(
    tenant_id: uuid.UUID,
    *,
    response: Response,
    accounts: AccountsDep,
    _: OperatorDep,
    correlation: CorrelationDep,
) -> Response:
    """Erase a tenant (GDPR): its personal data is deleted everywhere."""
    cmd = ChangeTenantStatus(tenant_id, Lifecycle.ERASE, "", correlation)
    outcome = await change_tenant_status(cmd, accounts.unit_of_work, accounts.directory, utc_now)
    erased = Response(status_code=204)
    command_headers(erased, outcome.events)
    return erased
