"""AddUser: a new user in an active tenant, on the tenant's shard."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from accounts.app.ports import Clock, Directory, UnitOfWork, UnitOfWorkFactory
from accounts.app.tenancy import Outcome, on_tenant
from accounts.domain.tenant import Tenant
from accounts.domain.user import User
from tessera_common.vocabulary import UserRole


@dataclass(frozen=True)
class AddUser:
    tenant_id: uuid.UUID
    email: str
    name: str
    role: UserRole
    correlation_id: uuid.UUID


async def add_user(
    cmd: AddUser, uow_factory: UnitOfWorkFactory, directory: Directory, clock: Clock
) -> Outcome[User]:
    async def change(tenant: Tenant, uow: UnitOfWork) -> User:
        user = tenant.add_user(
            user_id=uuid.uuid4(), email=cmd.email, name=cmd.name, role=cmd.role, now=clock()
        )
        await uow.users.add(user)
        return user

    return await on_tenant(cmd.tenant_id, cmd.correlation_id, directory, uow_factory, change)
