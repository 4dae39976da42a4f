"""AddUser: a new user in an active tenant, on the tenant's shard."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from accounts.app._tenants import open_tenant
from accounts.app.ports import Clock, Directory, UnitOfWork
from accounts.domain.user import User
from tessera_common.vocabulary import UserRole


@dataclass(frozen=True)
class AddUser:
    tenant_id: uuid.UUID
    email: str
    name: str
    role: UserRole


async def add_user(cmd: AddUser, uow: UnitOfWork, directory: Directory, clock: Clock) -> User:
    tenant = await open_tenant(cmd.tenant_id, uow, directory)
    user = tenant.add_user(
        user_id=uuid.uuid4(), email=cmd.email, name=cmd.name, role=cmd.role, now=clock()
    )
    await uow.users.add(user)
    return user
