"""A user of a tenant, as of the version the caller has seen."""

from __future__ import annotations

import uuid

from accounts.app.ports import UnitOfWork
from accounts.domain.errors import StaleVersionError, UserNotFoundError
from accounts.domain.tenant import Tenant
from accounts.domain.user import User


async def user_at_version(
    uow: UnitOfWork, tenant: Tenant, user_id: uuid.UUID, version: int | None
) -> User:
    """The user, if the caller's version (when given) is still the current one."""
    user = await uow.users.get(tenant.id, user_id)
    if user is None:
        raise UserNotFoundError(str(user_id))
    if version is not None and version != user.version:
        raise StaleVersionError(version, user.version)
    return user
