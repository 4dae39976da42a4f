"""RecordUsageTotals: usage batches' totals added to their tenants' monthly usage (for invoices).

One command answers the `UsageRecorded` events of one shard that the consumer fetched
together: one transaction records them all in the inbox and adds their summed totals in one
statement. An event that was applied before (a redelivery) adds nothing.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from billing.app.ports import UnitOfWork, UsageKey


@dataclass(frozen=True)
class UsageTotal:
    period: str  # YYYY-MM
    meter: str
    quantity: int


@dataclass(frozen=True)
class RecordedUsage:
    """One `UsageRecorded` event: a batch's totals for its tenant."""

    event_id: uuid.UUID
    tenant_id: uuid.UUID
    totals: tuple[UsageTotal, ...]


@dataclass(frozen=True)
class RecordUsageTotals:
    shard: str  # where every tenant of `recorded` keeps its billing data
    recorded: tuple[RecordedUsage, ...]


async def record_usage_totals(cmd: RecordUsageTotals, uow: UnitOfWork) -> None:
    await uow.open(cmd.shard)
    sums: dict[UsageKey, int] = {}
    first = set(uow.first_deliveries)  # each event once, even if fetched twice
    for recorded in cmd.recorded:
        if recorded.event_id not in first:
            continue
        first.discard(recorded.event_id)
        for total in recorded.totals:
            key = (recorded.tenant_id, total.period, total.meter)
            sums[key] = sums.get(key, 0) + total.quantity
    await uow.usage.add(sums)
