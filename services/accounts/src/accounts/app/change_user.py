"""UpdateUser and RemoveUser, each only over the version the caller has seen."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from accounts.app.ports import Clock, Directory, UnitOfWork, UnitOfWorkFactory
from accounts.app.tenancy import Outcome, on_tenant
from accounts.domain.errors import StaleVersionError, UserNotFoundError
from accounts.domain.tenant import Tenant
from accounts.domain.user import User
from tessera_common.vocabulary import UserRole


@dataclass(frozen=True)
class UpdateUser:
    tenant_id: uuid.UUID
    user_id: uuid.UUID
    expected_version: int
    name: str | None
    role: UserRole | None
    correlation_id: uuid.UUID


@dataclass(frozen=True)
class RemoveUser:
    tenant_id: uuid.UUID
    user_id: uuid.UUID
    expected_version: int | None
    correlation_id: uuid.UUID


async def _user(uow: UnitOfWork, tenant: Tenant, user_id: uuid.UUID, version: int | None) -> User:
    user = await uow.users.get(tenant.id, user_id)
    if user is None:
        raise UserNotFoundError(str(user_id))
    if version is not None and version != user.version:
        raise StaleVersionError(version, user.version)
    return user


async def update_user(
    cmd: UpdateUser, uow_factory: UnitOfWorkFactory, directory: Directory, clock: Clock
) -> Outcome[User]:
    async def change(tenant: Tenant, uow: UnitOfWork) -> User:
        user = await _user(uow, tenant, cmd.user_id, cmd.expected_version)
        read_version = user.version
        tenant.update_user(user, name=cmd.name, role=cmd.role, now=clock())
        if user.version != read_version:
            await uow.users.update(user, read_version)
        return user

    return await on_tenant(cmd.tenant_id, cmd.correlation_id, directory, uow_factory, change)


async def remove_user(
    cmd: RemoveUser, uow_factory: UnitOfWorkFactory, directory: Directory, clock: Clock
) -> Outcome[None]:
    async def change(tenant: Tenant, uow: UnitOfWork) -> None:
        user = await _user(uow, tenant, cmd.user_id, cmd.expected_version)
        read_version = user.version
        tenant.remove_user(user, clock())
        await uow.users.remove(user, read_version)

    return await on_tenant(cmd.tenant_id, cmd.correlation_id, directory, uow_factory, change)
