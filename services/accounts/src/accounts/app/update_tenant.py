"""UpdateTenant: rename and/or change plan, only over the version the caller has seen."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from accounts.app.ports import Clock, Directory, UnitOfWork, UnitOfWorkFactory
from accounts.app.tenancy import Outcome, on_tenant
from accounts.domain.tenant import Tenant
from tessera_common.vocabulary import Plan


@dataclass(frozen=True)
class UpdateTenant:
    tenant_id: uuid.UUID
    expected_version: int
    name: str | None
    plan: Plan | None
    correlation_id: uuid.UUID


async def update_tenant(
    cmd: UpdateTenant, uow_factory: UnitOfWorkFactory, directory: Directory, clock: Clock
) -> Outcome[None]:
    async def change(tenant: Tenant, _: UnitOfWork) -> None:
        tenant.require_version(cmd.expected_version)
        tenant.update_profile(name=cmd.name, plan=cmd.plan, now=clock())

    return await on_tenant(cmd.tenant_id, cmd.correlation_id, directory, uow_factory, change)
