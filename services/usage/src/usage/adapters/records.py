"""Bulk insert of usage records: COPY into a temporary table, then one INSERT … SELECT."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from tessera_common.sharding.time_partitions import (
    create_partition_sql,
    partition_for,
    partitions_ahead,
)
from tessera_common.vocabulary import Meter
from usage.domain.batch import Batch, UsageRecord

TABLE = "usage_records"
_STAGE = """
CREATE TEMPORARY TABLE incoming_usage
(tenant_id uuid, event_id uuid, meter text, quantity bigint, occurred_at timestamptz)
ON COMMIT DROP
"""
_MOVE = """
INSERT INTO usage_records (tenant_id, event_id, meter, quantity, occurred_at)
SELECT tenant_id, event_id, meter, quantity, occurred_at FROM incoming_usage
ON CONFLICT DO NOTHING
RETURNING event_id, meter, quantity, occurred_at
"""


async def insert_new(conn: AsyncConnection, batch: Batch) -> list[UsageRecord]:
    """Store the batch's records; returns those not stored before (duplicates drop out)."""
    await conn.execute(text(_STAGE))
    raw = (await conn.get_raw_connection()).driver_connection
    assert raw is not None  # asyncpg's connection, for COPY
    rows = [
        (batch.tenant_id, r.event_id, r.meter.value, r.quantity, r.occurred_at)
        for r in batch.records
    ]
    await raw.copy_records_to_table("incoming_usage", records=rows)
    stored = await conn.execute(text(_MOVE))
    return [
        UsageRecord(row.event_id, Meter(row.meter), row.quantity, row.occurred_at) for row in stored
    ]


async def ensure_partitions(
    conn: AsyncConnection, now: datetime, months_back: int, months_ahead: int
) -> int:
    """Create the monthly partitions from `months_back` ago to `months_ahead` ahead."""
    first = partition_for(now).shifted(-months_back)
    wanted = partitions_ahead(first.start, months_back + months_ahead)
    for partition in wanted:
        await conn.execute(text(create_partition_sql(TABLE, partition)))
    return len(wanted)
