"""RecordUsageTotals: a usage batch's totals added to the tenant's monthly usage (for invoices)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from billing.app.ports import ShardOf, UnitOfWork


@dataclass(frozen=True)
class UsageTotal:
    period: str  # YYYY-MM
    meter: str
    quantity: int


@dataclass(frozen=True)
class RecordUsageTotals:
    tenant_id: uuid.UUID
    totals: tuple[UsageTotal, ...]


async def record_usage_totals(cmd: RecordUsageTotals, uow: UnitOfWork, shard_of: ShardOf) -> None:
    await uow.open(shard_of(cmd.tenant_id))
    for total in cmd.totals:
        await uow.usage.add(cmd.tenant_id, total.period, total.meter, total.quantity)
