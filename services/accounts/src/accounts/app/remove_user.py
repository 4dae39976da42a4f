"""RemoveUser: over the version the caller has seen, or whatever the version."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from accounts.app._tenants import open_tenant
from accounts.app._users import user_at_version
from accounts.app.ports import Clock, Directory, UnitOfWork


@dataclass(frozen=True)
class RemoveUser:
    tenant_id: uuid.UUID
    user_id: uuid.UUID
    expected_version: int | None


async def remove_user(cmd: RemoveUser, uow: UnitOfWork, directory: Directory, clock: Clock) -> None:
    tenant = await open_tenant(cmd.tenant_id, uow, directory)
    user = await user_at_version(uow, tenant, cmd.user_id, cmd.expected_version)
    read_version = user.version
    tenant.remove_user(user, clock())
    await uow.users.remove(user, read_version)
