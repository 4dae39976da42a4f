"""User commands: add, update (If-Match), remove."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Response

from accounts.app.add_user import AddUser, add_user
from accounts.app.change_user import RemoveUser, UpdateUser, remove_user, update_user
from accounts.bootstrap import utc_now
from accounts.entrypoints.deps import AccountsDep, CorrelationDep
from accounts.entrypoints.preconditions import OptionalVersion, RequiredVersion
from accounts.entrypoints.responses import command_headers, user_body
from accounts.entrypoints.schemas import AddUserRequest, UpdateUserRequest, UserBody
from tessera_common.http.service_app import CallerDep
from tessera_common.problems import not_found

router = APIRouter(prefix="/v1/tenants/{tenant_id}/users", tags=["users"])


@router.post("", status_code=201, response_model=UserBody)
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
    outcome = await add_user(cmd, accounts.unit_of_work, accounts.directory, utc_now)
    user = outcome.result
    location = f"/v1/tenants/{tenant_id}/users/{user.id}"
    command_headers(response, outcome.events, etag=user.version, location=location)
    return user_body(user)


@router.patch("/{user_id}", response_model=UserBody)
async def patch_user(
    tenant_id: uuid.UUID,
    user_id: uuid.UUID,
    body: UpdateUserRequest,
    *,
    version: RequiredVersion,
    response: Response,
    accounts: AccountsDep,
    caller: CallerDep,
    correlation: CorrelationDep,
) -> UserBody:
    """Change a user's name or role, over the version in If-Match."""
    if not caller.may_access(tenant_id):
        raise not_found("Tenant")
    cmd = UpdateUser(tenant_id, user_id, version, body.name, body.role, correlation)
    outcome = await update_user(cmd, accounts.unit_of_work, accounts.directory, utc_now)
    command_headers(response, outcome.events, etag=outcome.result.version)
    return user_body(outcome.result)


@router.delete("/{user_id}", status_code=204)
async def delete_user(
    tenant_id: uuid.UUID,
    user_id: uuid.UUID,
    *,
    version: OptionalVersion,
    accounts: AccountsDep,
    caller: CallerDep,
    correlation: CorrelationDep,
) -> Response:
    """Remove a user (If-Match optional: without it, whatever the version)."""
    if not caller.may_access(tenant_id):
        raise not_found("Tenant")
    cmd = RemoveUser(tenant_id, user_id, version, correlation)
    outcome = await remove_user(cmd, accounts.unit_of_work, accounts.directory, utc_now)
    removed = Response(status_code=204)
    command_headers(removed, outcome.events)
    return removed
