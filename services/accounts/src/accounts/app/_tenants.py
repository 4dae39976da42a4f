"""What every command on an existing tenant does first: find its shard, open there, load it."""

from __future__ import annotations

import uuid

from accounts.app.ports import Directory, UnitOfWork
from accounts.domain.errors import TenantNotFoundError
from accounts.domain.tenant import Tenant


async def open_tenant(tenant_id: uuid.UUID, uow: UnitOfWork, directory: Directory) -> Tenant:
    """The tenant, with `uow` open on its shard; an erased tenant is not found."""
    placement = await directory.find(tenant_id)
    if placement is None:
        raise TenantNotFoundError(str(tenant_id))
    await uow.open(placement.shard)
    tenant = await uow.tenants.get(tenant_id)
    if tenant is None or tenant.erased:
        raise TenantNotFoundError(str(tenant_id))
    return tenant
