"""SuspendTenant, ReactivateTenant and EraseTenant: the operator's lifecycle commands."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from enum import StrEnum

from accounts.app.ports import Clock, Directory, UnitOfWork, UnitOfWorkFactory
from accounts.app.tenancy import Outcome, on_tenant
from accounts.domain.tenant import Tenant


class Lifecycle(StrEnum):
    SUSPEND = "suspend"
    REACTIVATE = "reactivate"
    ERASE = "erase"


@dataclass(frozen=True)
class ChangeTenantStatus:
    tenant_id: uuid.UUID
    action: Lifecycle
    reason: str
    correlation_id: uuid.UUID


async def change_tenant_status(
    cmd: ChangeTenantStatus, uow_factory: UnitOfWorkFactory, directory: Directory, clock: Clock
) -> Outcome[None]:
    async def change(tenant: Tenant, _: UnitOfWork) -> None:
        match cmd.action:
            case Lifecycle.SUSPEND:
                tenant.suspend(cmd.reason, clock())
            case Lifecycle.REACTIVATE:
                tenant.reactivate(clock())
            case Lifecycle.ERASE:
                tenant.erase(clock())

    return await on_tenant(cmd.tenant_id, cmd.correlation_id, directory, uow_factory, change)
