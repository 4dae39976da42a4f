"""User commands: add, update (If-Match), remove."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Response

from accounts.app.add_user import AddUser, add_user
from accounts.app.remove_user import RemoveUser, remove_user
from accounts.app.update_user import UpdateUser, update_user
from accounts.domain.user import User
from accounts.entrypoints import links
from accounts.entrypoints.responses import user_body
from accounts.entrypoints.schemas import AddUserRequest, UpdateUserRequest, UserBody
from tessera_common.events.envelope import EventEnvelope
from tessera_common.http.commands import CommandDep
from tessera_common.http.idempotency import rendered
from tessera_common.http.openapi import IDEMPOTENCY_KEY, IF_MATCH, problems
from tessera_common.http.preconditions import OptionalVersion, RequiredVersion
from tessera_common.http.service_app import TenantIdDep
from tessera_common.idempotency import StoredResponse

router = APIRouter(prefix="/v1/tenants/{tenant_id}/users", tags=["users"])


def _user(user: User, events: list[EventEnvelope]) -> StoredResponse:
    return rendered(200, user_body(user), events, etag=user.version)


def _removed(_: None, events: list[EventEnvelope]) -> StoredResponse:
    return rendered(204, None, events)


@router.post(
    "",
    status_code=201,
    response_model=UserBody,
    responses={**links.USER_CREATED, **problems(404, 409, *IDEMPOTENCY_KEY, 503)},
)
async def post_user(tenant_id: TenantIdDep, body: AddUserRequest, command: CommandDep) -> Response:
    """Add a user to a tenant."""

    def added(user: User, events: list[EventEnvelope]) -> StoredResponse:
        location = f"/v1/tenants/{tenant_id}/users/{user.id}"
        return rendered(201, user_body(user), events, etag=user.version, location=location)

    cmd = AddUser(tenant_id, body.email, body.name, body.role)
    return await command.run(add_user, cmd, added, guard=command.guard(body, tenant_id))


@router.patch("/{user_id}", response_model=UserBody, responses=problems(404, 409, *IF_MATCH, 503))
async def patch_user(
    tenant_id: TenantIdDep,
    user_id: uuid.UUID,
    body: UpdateUserRequest,
    *,
    version: RequiredVersion,
    command: CommandDep,
) -> Response:
    """Change a user's name or role, over the version in If-Match."""
    cmd = UpdateUser(tenant_id, user_id, version, body.name, body.role)
    return await command.run(update_user, cmd, _user)


@router.delete("/{user_id}", status_code=204, responses=problems(400, 404, 409, 412, 503))
async def delete_user(
    tenant_id: TenantIdDep,
    user_id: uuid.UUID,
    *,
    version: OptionalVersion,
    command: CommandDep,
) -> Response:
    """Remove a user (If-Match optional: without it, whatever the version)."""
    cmd = RemoveUser(tenant_id, user_id, version)
    return await command.run(remove_user, cmd, _removed)
