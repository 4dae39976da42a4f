"""UpdateUser: a user's name or role, only over the version the caller has seen."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from accounts.app._tenants import open_tenant
from accounts.app._users import user_at_version
from accounts.app.ports import Clock, Directory, UnitOfWork
from accounts.domain.user import User
from tessera_common.vocabulary import UserRole


@dataclass(frozen=True)
class UpdateUser:
    tenant_id: uuid.UUID
    user_id: uuid.UUID
    expected_version: int
    name: str | None
    role: UserRole | None


async def update_user(cmd: UpdateUser, uow: UnitOfWork, directory: Directory, clock: Clock) -> User:
    tenant = await open_tenant(cmd.tenant_id, uow, directory)
    user = await user_at_version(uow, tenant, cmd.user_id, cmd.expected_version)
    read_version = user.version
    tenant.update_user(user, name=cmd.name, role=cmd.role, now=clock())
    if user.version != read_version:
        await uow.users.update(user, read_version)
    return user
