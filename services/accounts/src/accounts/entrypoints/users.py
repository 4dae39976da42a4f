"""User commands: add, update (If-Match), remove."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Request, Response

from accounts.app.add_user import AddUser, add_user
from accounts.app.change_user import RemoveUser, UpdateUser, remove_user, update_user
from accounts.app.tenancy import Outcome
from accounts.bootstrap import utc_now
from accounts.domain.user import User
from accounts.entrypoints import links
from accounts.entrypoints.deps import AccountsDep, CorrelationDep
from accounts.entrypoints.idempotency import idempotency_guard, units_of_work
from accounts.entrypoints.responses import as_response, rendered, user_body
from accounts.entrypoints.schemas import AddUserRequest, UpdateUserRequest, UserBody
from tessera_common.http.openapi import IDEMPOTENCY_KEY, IF_MATCH, problems
from tessera_common.http.preconditions import OptionalVersion, RequiredVersion
from tessera_common.http.service_app import CallerDep, TenantIdDep
from tessera_common.idempotency import StoredResponse

router = APIRouter(prefix="/v1/tenants/{tenant_id}/users", tags=["users"])


@router.post(
    "",
    status_code=201,
    response_model=UserBody,
    responses={**links.USER_CREATED, **problems(404, 409, *IDEMPOTENCY_KEY, 503)},
)
async def post_user(
    tenant_id: TenantIdDep,
    body: AddUserRequest,
    request: Request,
    *,
    accounts: AccountsDep,
    caller: CallerDep,
    correlation: CorrelationDep,
) -> Response:
    """Add a user to a tenant."""

    def render(outcome: Outcome[User]) -> StoredResponse:
        user = outcome.result
        location = f"/v1/tenants/{tenant_id}/users/{user.id}"
        return rendered(201, user_body(user), outcome.events, etag=user.version, location=location)

    guard = idempotency_guard(request, caller, body, accounts, tenant_id)
    cmd = AddUser(tenant_id, body.email, body.name, body.role, correlation)
    outcome = await add_user(
        cmd, units_of_work(accounts, guard, render), accounts.directory, utc_now
    )
    return as_response(render(outcome))


@router.patch("/{user_id}", response_model=UserBody, responses=problems(404, 409, *IF_MATCH, 503))
async def patch_user(
    tenant_id: TenantIdDep,
    user_id: uuid.UUID,
    body: UpdateUserRequest,
    *,
    version: RequiredVersion,
    accounts: AccountsDep,
    correlation: CorrelationDep,
) -> Response:
    """Change a user's name or role, over the version in If-Match."""
    cmd = UpdateUser(tenant_id, user_id, version, body.name, body.role, correlation)
    outcome = await update_user(cmd, accounts.unit_of_work, accounts.directory, utc_now)
    user = outcome.result
    return as_response(rendered(200, user_body(user), outcome.events, etag=user.version))


@router.delete("/{user_id}", status_code=204, responses=problems(400, 404, 409, 412, 503))
async def delete_user(
    tenant_id: TenantIdDep,
    user_id: uuid.UUID,
    *,
    version: OptionalVersion,
    accounts: AccountsDep,
    correlation: CorrelationDep,
) -> Response:
    """Remove a user (If-Match optional: without it, whatever the version)."""
    cmd = RemoveUser(tenant_id, user_id, version, correlation)
    outcome = await remove_user(cmd, accounts.unit_of_work, accounts.directory, utc_now)
    return as_response(rendered(204, None, outcome.events))
