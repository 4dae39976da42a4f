"""RecordMove: the tenant's rows are on another shard now; its row there says so, and a
TenantMoved event leaves from that shard's outbox (the mover runs it before the flip)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from accounts.app.ports import Clock, UnitOfWork
from accounts.domain.errors import TenantNotFoundError
from accounts.domain.tenant import Tenant


@dataclass(frozen=True)
class RecordMove:
    tenant_id: uuid.UUID
    target: str


async def record_move(cmd: RecordMove, uow: UnitOfWork, clock: Clock) -> Tenant:
    """On the target shard, not by the directory: it names the source until the flip."""
    await uow.open(cmd.target)
    tenant = await uow.tenants.get(cmd.tenant_id)
    if tenant is None:
        raise TenantNotFoundError(str(cmd.tenant_id))
    tenant.moved_to(cmd.target, clock())
    return tenant
