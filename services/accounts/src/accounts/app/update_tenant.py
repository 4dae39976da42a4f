"""UpdateTenant: rename and/or change plan, only over the version the caller has seen."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from accounts.app._tenants import open_tenant
from accounts.app.ports import Clock, Directory, UnitOfWork
from accounts.domain.tenant import Tenant
from tessera_common.vocabulary import Plan


@dataclass(frozen=True)
class UpdateTenant:
    tenant_id: uuid.UUID
    expected_version: int
    name: str | None
    plan: Plan | None


async def update_tenant(
    cmd: UpdateTenant, uow: UnitOfWork, directory: Directory, clock: Clock
) -> Tenant:
    tenant = await open_tenant(cmd.tenant_id, uow, directory)
    tenant.require_version(cmd.expected_version)
    tenant.update_profile(name=cmd.name, plan=cmd.plan, now=clock())
    return tenant
