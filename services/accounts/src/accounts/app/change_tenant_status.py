"""ChangeTenantStatus: suspend, reactivate or erase a tenant (the operator's, or billing's)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from enum import StrEnum

from accounts.app._tenants import open_tenant
from accounts.app.ports import Clock, Directory, UnitOfWork
from accounts.domain.tenant import Tenant


class Lifecycle(StrEnum):
    SUSPEND = "suspend"
    REACTIVATE = "reactivate"
    ERASE = "erase"


@dataclass(frozen=True)
class ChangeTenantStatus:
    tenant_id: uuid.UUID
    action: Lifecycle
    reason: str = ""


async def change_tenant_status(
    cmd: ChangeTenantStatus, uow: UnitOfWork, directory: Directory, clock: Clock
) -> Tenant:
    """Each change is idempotent: suspending a suspended tenant changes nothing."""
    tenant = await open_tenant(cmd.tenant_id, uow, directory)
    match cmd.action:
        case Lifecycle.SUSPEND:
            tenant.suspend(cmd.reason, clock())
        case Lifecycle.REACTIVATE:
            tenant.reactivate(clock())
        case Lifecycle.ERASE:
            tenant.erase(clock())
    return tenant
