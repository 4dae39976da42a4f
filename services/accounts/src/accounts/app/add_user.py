"""AddUser: a new user in an active tenant, on the tenant's shard."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from accounts.app.ports import Clock, Directory, UnitOfWorkFactory
from accounts.domain.errors import TenantNotFoundError
from accounts.domain.user import User
from tessera_common.events.envelope import EventEnvelope
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
) -> tuple[User, list[EventEnvelope]]:
    placement = await directory.find(cmd.tenant_id)
    if placement is None:
        raise TenantNotFoundError(str(cmd.tenant_id))
    async with uow_factory(placement.shard, cmd.correlation_id) as uow:
        tenant = await uow.tenants.get(cmd.tenant_id)
        if tenant is None:
            raise TenantNotFoundError(str(cmd.tenant_id))
        user = tenant.add_user(
            user_id=uuid.uuid4(), email=cmd.email, name=cmd.name, role=cmd.role, now=clock()
        )
        await uow.users.add(user)
        events = await uow.commit_tenant(tenant)
    return user, events
