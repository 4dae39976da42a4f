"""The common frame of every command on an existing tenant.

Find the tenant's shard, open one transaction there, load the tenant, let the
command change it, save what changed (guarded by the version it was read at) and
commit with its events. Commands supply only the change itself.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

from accounts.app.ports import Directory, UnitOfWork, UnitOfWorkFactory
from accounts.domain.errors import TenantNotFoundError
from accounts.domain.tenant import Tenant
from tessera_common.events.envelope import EventEnvelope

T = TypeVar("T")
T_co = TypeVar("T_co", covariant=True)
Change = Callable[[Tenant, UnitOfWork], Awaitable[T]]


@dataclass(frozen=True)
class Outcome(Generic[T_co]):
    result: T_co
    tenant: Tenant
    events: list[EventEnvelope]


async def on_tenant(
    tenant_id: uuid.UUID,
    correlation_id: uuid.UUID,
    directory: Directory,
    uow_factory: UnitOfWorkFactory,
    change: Change[T],
) -> Outcome[T]:
    placement = await directory.find(tenant_id)
    if placement is None:
        raise TenantNotFoundError(str(tenant_id))
    async with uow_factory(placement.shard, correlation_id) as uow:
        tenant = await uow.tenants.get(tenant_id)
        if tenant is None or tenant.erased:
            raise TenantNotFoundError(str(tenant_id))
        read_version = tenant.version
        result = await change(tenant, uow)
        if tenant.erased:
            await uow.tenants.erase(tenant, read_version)
        elif tenant.version != read_version:
            await uow.tenants.update(tenant, read_version)
        outcome = Outcome(result, tenant, uow.stage(tenant))
        await uow.finish(outcome)
    return outcome
