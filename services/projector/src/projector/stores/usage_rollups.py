"""Usage rollups in the read DB: contributions in, hourly, daily and monthly totals out.

The hourly totals of the last few hours are also the live counters Redis mirrors: exact,
as every total here is, and written with the batch that changed them."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

import asyncpg

from projector.projections.changes import RecordUsage
from tessera_common.read_documents import recent_hours

# Every batch of a transaction in one statement; an erased tenant's late batches add nothing.
_CONTRIBUTE = """
INSERT INTO usage_contributions (batch_id, meter, hour, tenant_id, quantity)
SELECT c.batch_id, c.meter, c.hour, c.tenant_id, c.quantity
FROM unnest($1::uuid[], $2::text[], $3::timestamptz[], $4::uuid[], $5::bigint[])
  AS c(batch_id, meter, hour, tenant_id, quantity)
WHERE NOT EXISTS (SELECT 1 FROM tenants t WHERE t.id = c.tenant_id AND t.status = 'erased')
ON CONFLICT DO NOTHING
"""
_ROLL_UP_HOURS = """
INSERT INTO usage_hourly (tenant_id, meter, hour, quantity)
SELECT c.tenant_id, c.meter, c.hour, sum(c.quantity)::bigint
FROM unnest($1::uuid[], $2::text[], $3::timestamptz[]) AS k(tenant_id, meter, hour)
JOIN usage_contributions c USING (tenant_id, meter, hour)
GROUP BY 1, 2, 3
ON CONFLICT (tenant_id, meter, hour) DO UPDATE SET quantity = EXCLUDED.quantity
RETURNING tenant_id, meter, hour, quantity
"""
_ROLL_UP_DAYS = """
INSERT INTO usage_daily (tenant_id, meter, day, quantity)
SELECT k.tenant_id, k.meter, k.day, sum(h.quantity)::bigint
FROM unnest($1::uuid[], $2::text[], $3::timestamptz[]) AS k(tenant_id, meter, day)
JOIN usage_hourly h ON h.tenant_id = k.tenant_id AND h.meter = k.meter
  AND h.hour >= k.day AND h.hour < k.day + interval '1 day'
GROUP BY 1, 2, 3
ON CONFLICT (tenant_id, meter, day) DO UPDATE SET quantity = EXCLUDED.quantity
"""
_MONTH_TOTALS = """
SELECT k.tenant_id, k.month, d.meter, sum(d.quantity)::bigint AS quantity
FROM unnest($1::uuid[], $2::timestamptz[]) AS k(tenant_id, month)
JOIN usage_daily d ON d.tenant_id = k.tenant_id
  AND d.day >= k.month AND d.day < k.month + interval '1 month'
GROUP BY 1, 2, 3
"""
_ERASE = (
    "DELETE FROM usage_contributions WHERE tenant_id = $1",
    "DELETE FROM usage_hourly WHERE tenant_id = $1",
    "DELETE FROM usage_daily WHERE tenant_id = $1",
)

MonthTotals = dict[uuid.UUID, dict[str, int]]  # tenant → {"YYYY-MM/meter": quantity}
HourTotals = dict[uuid.UUID, dict[datetime, dict[str, int]]]  # tenant → hour → meter → quantity


@dataclass
class Totals:
    """What a batch changed: the months it touched, and the recent hours among its hours
    (the live counters, LIVE_USAGE_HOURS of them)."""

    months: MonthTotals = field(default_factory=dict)
    recent_hours: HourTotals = field(default_factory=dict)


async def record(conn: asyncpg.Connection, batches: Sequence[RecordUsage]) -> Totals:
    """Store each batch's contributions once, then recompute every total they touch."""
    rows = [
        (batch.batch_id, c.meter, c.hour, batch.tenant_id, c.quantity)
        for batch in batches
        for c in batch.contributions
    ]
    if not rows:
        return Totals()
    await conn.execute(_CONTRIBUTE, *_columns(rows))
    hours = {(tenant_id, meter, hour) for _, meter, hour, tenant_id, _ in rows}
    days = {(t, m, h.replace(hour=0)) for t, m, h in hours}
    months = {(t, h.replace(day=1, hour=0)) for t, _, h in hours}
    recent = set(recent_hours())
    live: HourTotals = defaultdict(dict)
    for row in await conn.fetch(_ROLL_UP_HOURS, *_columns(sorted(hours))):
        hour = row["hour"].astimezone(UTC)
        if hour in recent:
            live[row["tenant_id"]].setdefault(hour, {})[row["meter"]] = row["quantity"]
    await conn.execute(_ROLL_UP_DAYS, *_columns(sorted(days)))
    totals: MonthTotals = defaultdict(dict)
    for row in await conn.fetch(_MONTH_TOTALS, *_columns(sorted(months))):
        month = row["month"].astimezone(UTC)
        totals[row["tenant_id"]][f"{month:%Y-%m}/{row['meter']}"] = row["quantity"]
    return Totals(dict(totals), dict(live))


async def erase(conn: asyncpg.Connection, tenant_id: uuid.UUID) -> None:
    for statement in _ERASE:
        await conn.execute(statement, tenant_id)


def _columns(rows: Sequence[tuple[object, ...]]) -> list[list[object]]:
    return [list(column) for column in zip(*rows, strict=True)]
