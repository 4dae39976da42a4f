"""Tenant commands: create, update (If-Match), suspend, reactivate, erase."""

from __future__ import annotations

import uuid
from dataclasses import replace

from fastapi import APIRouter, Request, Response

from accounts.app.change_tenant_status import ChangeTenantStatus, Lifecycle, change_tenant_status
from accounts.app.create_tenant import CreateTenant, FirstKey, create_tenant
from accounts.app.tenancy import Outcome
from accounts.app.update_tenant import UpdateTenant, update_tenant
from accounts.bootstrap import Accounts, utc_now
from accounts.entrypoints import links
from accounts.entrypoints.deps import AccountsDep, CorrelationDep
from accounts.entrypoints.idempotency import idempotency_guard, new_tenant_id, units_of_work
from accounts.entrypoints.responses import as_response, rendered, tenant_body
from accounts.entrypoints.schemas import (
    CreatedTenantBody,
    CreateTenantRequest,
    SuspendRequest,
    TenantBody,
    UpdateTenantRequest,
)
from tessera_common.auth.internal_token import Caller
from tessera_common.http.openapi import IDEMPOTENCY_KEY, IF_MATCH, problems
from tessera_common.http.preconditions import RequiredVersion
from tessera_common.http.service_app import CallerDep, OperatorDep, TenantIdDep
from tessera_common.idempotency import StoredResponse

router = APIRouter(prefix="/v1/tenants", tags=["tenants"])
LIFECYCLE = problems(403, 404, 409, *IDEMPOTENCY_KEY, 503)


def _tenant_response(outcome: Outcome[object]) -> StoredResponse:
    return rendered(200, tenant_body(outcome.tenant), outcome.events, etag=outcome.tenant.version)


@router.post(
    "",
    status_code=201,
    response_model=CreatedTenantBody,
    responses={**links.TENANT_CREATED, **problems(403, *IDEMPOTENCY_KEY, 503)},
)
async def post_tenant(
    body: CreateTenantRequest,
    request: Request,
    *,
    accounts: AccountsDep,
    caller: OperatorDep,
    correlation: CorrelationDep,
) -> Response:
    """Create a tenant on a shard of its region, with its first API key."""

    def render(outcome: Outcome[FirstKey]) -> StoredResponse:
        tenant, first = outcome.tenant, outcome.result
        created = CreatedTenantBody(
            **tenant_body(tenant).model_dump(), api_key=first.api_key, api_key_id=first.api_key_id
        )
        location = f"/v1/tenants/{tenant.id}"
        return rendered(201, created, outcome.events, etag=tenant.version, location=location)

    guard = idempotency_guard(request, caller, body, accounts, None)
    tenant_id = new_tenant_id(guard)
    guard = replace(guard, tenant_id=tenant_id) if guard else None
    cmd = CreateTenant(tenant_id, body.name, body.region, body.plan, body.currency, correlation)
    outcome = await create_tenant(
        cmd, units_of_work(accounts, guard, render), accounts.directory, accounts.placer, utc_now
    )
    return as_response(render(outcome))


@router.patch(
    "/{tenant_id}", response_model=TenantBody, responses=problems(404, 409, *IF_MATCH, 503)
)
async def patch_tenant(
    tenant_id: TenantIdDep,
    body: UpdateTenantRequest,
    *,
    version: RequiredVersion,
    accounts: AccountsDep,
    caller: CallerDep,
    correlation: CorrelationDep,
) -> Response:
    """Rename a tenant or change its plan, over the version in If-Match."""
    cmd = UpdateTenant(tenant_id, version, body.name, body.plan, correlation)
    outcome = await update_tenant(cmd, accounts.unit_of_work, accounts.directory, utc_now)
    return as_response(_tenant_response(outcome))


async def _lifecycle(
    request: Request,
    tenant_id: uuid.UUID,
    cmd: ChangeTenantStatus,
    body: SuspendRequest | None,
    *,
    accounts: Accounts,
    caller: Caller,
) -> Response:
    guard = idempotency_guard(request, caller, body, accounts, tenant_id)
    outcome = await change_tenant_status(
        cmd, units_of_work(accounts, guard, _tenant_response), accounts.directory, utc_now
    )
    return as_response(_tenant_response(outcome))


@router.post("/{tenant_id}/suspend", response_model=TenantBody, responses=LIFECYCLE)
async def suspend(
    tenant_id: uuid.UUID,
    request: Request,
    *,
    body: SuspendRequest | None = None,
    accounts: AccountsDep,
    caller: OperatorDep,
    correlation: CorrelationDep,
) -> Response:
    """Suspend a tenant (idempotent)."""
    reason = (body or SuspendRequest()).reason
    cmd = ChangeTenantStatus(tenant_id, Lifecycle.SUSPEND, reason, correlation)
    return await _lifecycle(request, tenant_id, cmd, body, accounts=accounts, caller=caller)


@router.post("/{tenant_id}/reactivate", response_model=TenantBody, responses=LIFECYCLE)
async def reactivate(
    tenant_id: uuid.UUID,
    request: Request,
    *,
    accounts: AccountsDep,
    caller: OperatorDep,
    correlation: CorrelationDep,
) -> Response:
    """Reactivate a suspended tenant (idempotent)."""
    cmd = ChangeTenantStatus(tenant_id, Lifecycle.REACTIVATE, "", correlation)
    return await _lifecycle(request, tenant_id, cmd, None, accounts=accounts, caller=caller)


@router.delete("/{tenant_id}", status_code=204, responses=problems(403, 404, 409, 503))
async def erase(
    tenant_id: uuid.UUID,
    *,
    accounts: AccountsDep,
    _: OperatorDep,
    correlation: CorrelationDep,
) -> Response:
    """Erase a tenant (GDPR): its personal data is deleted everywhere."""
    cmd = ChangeTenantStatus(tenant_id, Lifecycle.ERASE, "", correlation)
    outcome = await change_tenant_status(cmd, accounts.unit_of_work, accounts.directory, utc_now)
    return as_response(rendered(204, None, outcome.events))
