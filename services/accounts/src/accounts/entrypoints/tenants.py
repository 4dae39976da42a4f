"""Tenant commands: create, update (If-Match), suspend, reactivate, erase."""

from __future__ import annotations

import uuid
from dataclasses import replace

from fastapi import APIRouter, Response

from accounts.app.change_tenant_status import ChangeTenantStatus, Lifecycle, change_tenant_status
from accounts.app.create_tenant import CreateTenant, NewTenant, create_tenant
from accounts.app.update_tenant import UpdateTenant, update_tenant
from accounts.domain.tenant import Tenant
from accounts.entrypoints import links
from accounts.entrypoints.responses import tenant_body
from accounts.entrypoints.schemas import (
    CreatedTenantBody,
    CreateTenantRequest,
    SuspendRequest,
    TenantBody,
    UpdateTenantRequest,
)
from tessera_common.events.envelope import EventEnvelope
from tessera_common.http.commands import CommandDep
from tessera_common.http.idempotency import rendered
from tessera_common.http.openapi import IDEMPOTENCY_KEY, IF_MATCH, problems
from tessera_common.http.preconditions import RequiredVersion
from tessera_common.http.service_app import OperatorDep, TenantIdDep
from tessera_common.idempotency import IdempotencyGuard, StoredResponse

router = APIRouter(prefix="/v1/tenants", tags=["tenants"])
LIFECYCLE = problems(403, 404, 409, *IDEMPOTENCY_KEY, 503)
# Tenant ids derived from idempotency keys live in their own UUIDv5 namespace.
TENANT_IDS = uuid.UUID("5d0c4ba5-7e55-4e2a-9d3c-6f1c0e5a7b21")


def new_tenant_id(guard: IdempotencyGuard | None) -> uuid.UUID:
    """A retry of the same keyed request must find the same tenant."""
    if guard is None:
        return uuid.uuid4()
    return uuid.uuid5(TENANT_IDS, f"{guard.scope}\n{guard.key}")


def _created(new: NewTenant, events: list[EventEnvelope]) -> StoredResponse:
    tenant = new.tenant
    created = CreatedTenantBody(
        **tenant_body(tenant).model_dump(), api_key=new.api_key, api_key_id=new.api_key_id
    )
    location = f"/v1/tenants/{tenant.id}"
    return rendered(201, created, events, etag=tenant.version, location=location)


def _tenant(tenant: Tenant, events: list[EventEnvelope]) -> StoredResponse:
    return rendered(200, tenant_body(tenant), events, etag=tenant.version)


def _erased(tenant: Tenant, events: list[EventEnvelope]) -> StoredResponse:
    return rendered(204, None, events)


@router.post(
    "",
    status_code=201,
    response_model=CreatedTenantBody,
    responses={**links.TENANT_CREATED, **problems(403, *IDEMPOTENCY_KEY, 503)},
)
async def post_tenant(
    body: CreateTenantRequest, *, command: CommandDep, _: OperatorDep
) -> Response:
    """Create a tenant on a shard of its region, with its first API key."""
    guard = command.guard(body)
    tenant_id = new_tenant_id(guard)
    guard = replace(guard, tenant_id=tenant_id) if guard else None
    cmd = CreateTenant(tenant_id, body.name, body.region, body.plan, body.currency)
    return await command.run(create_tenant, cmd, _created, guard=guard)


@router.patch(
    "/{tenant_id}", response_model=TenantBody, responses=problems(404, 409, *IF_MATCH, 503)
)
async def patch_tenant(
    tenant_id: TenantIdDep,
    body: UpdateTenantRequest,
    *,
    version: RequiredVersion,
    command: CommandDep,
) -> Response:
    """Rename a tenant or change its plan, over the version in If-Match."""
    cmd = UpdateTenant(tenant_id, version, body.name, body.plan)
    return await command.run(update_tenant, cmd, _tenant)


@router.post("/{tenant_id}/suspend", response_model=TenantBody, responses=LIFECYCLE)
async def suspend(
    tenant_id: uuid.UUID,
    *,
    body: SuspendRequest | None = None,
    command: CommandDep,
    _: OperatorDep,
) -> Response:
    """Suspend a tenant (idempotent)."""
    reason = (body or SuspendRequest()).reason
    cmd = ChangeTenantStatus(tenant_id, Lifecycle.SUSPEND, reason)
    guard = command.guard(body, tenant_id)
    return await command.run(change_tenant_status, cmd, _tenant, guard=guard)


@router.post("/{tenant_id}/reactivate", response_model=TenantBody, responses=LIFECYCLE)
async def reactivate(tenant_id: uuid.UUID, *, command: CommandDep, _: OperatorDep) -> Response:
    """Reactivate a suspended tenant (idempotent)."""
    cmd = ChangeTenantStatus(tenant_id, Lifecycle.REACTIVATE)
    guard = command.guard(None, tenant_id)
    return await command.run(change_tenant_status, cmd, _tenant, guard=guard)


@router.delete("/{tenant_id}", status_code=204, responses=problems(403, 404, 409, 503))
async def erase(tenant_id: uuid.UUID, *, command: CommandDep, _: OperatorDep) -> Response:
    """Erase a tenant (GDPR): its personal data is deleted everywhere."""
    cmd = ChangeTenantStatus(tenant_id, Lifecycle.ERASE)
    return await command.run(change_tenant_status, cmd, _erased)
