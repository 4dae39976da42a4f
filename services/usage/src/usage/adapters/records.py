"""Bulk insert of usage records: COPY into a temporary table, then one statement that claims
the event ids and stores the records whose ids were free."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from tessera_common.sharding.time_partitions import (
    create_partition_sql,
    partition_for,
    partitions_ahead,
)
from usage.domain.batch import Batch
from usage.domain.records import UsageRecord

TABLE = "usage_records"
_STAGE = """
CREATE TEMPORARY TABLE incoming_usage
(tenant_id uuid, event_id uuid, meter text, quantity bigint, occurred_at timestamptz)
ON COMMIT DROP
"""
# An event id is claimed once per tenant, whatever its time (and so its partition); only
# the records whose claim this statement made are stored. A concurrent batch holding the
# same id makes this one wait for its outcome, so exactly one of them stores it; claiming
# in id order keeps two such batches from waiting on each other (a deadlock). It answers
# the records it did not store (duplicates, seldom any) rather than the many it did.
_MOVE = """
WITH claimed AS (
    INSERT INTO usage_event_ids (tenant_id, event_id, occurred_at)
    SELECT tenant_id, event_id, occurred_at FROM incoming_usage ORDER BY tenant_id, event_id
    ON CONFLICT DO NOTHING
    RETURNING tenant_id, event_id
), stored AS (
    INSERT INTO usage_records (tenant_id, event_id, meter, quantity, occurred_at)
    SELECT i.tenant_id, i.event_id, i.meter, i.quantity, i.occurred_at
    FROM incoming_usage i JOIN claimed USING (tenant_id, event_id)
)
SELECT i.tenant_id, i.event_id FROM incoming_usage i
WHERE NOT EXISTS (
    SELECT FROM claimed c WHERE c.tenant_id = i.tenant_id AND c.event_id = i.event_id
)
"""


async def insert_new(
    conn: AsyncConnection, batches: Sequence[Batch]
) -> dict[uuid.UUID, list[UsageRecord]]:
    """Store the batches' records (one COPY and one statement for all of them, whatever
    their tenants); returns, per tenant, those not stored before (duplicates drop out)."""
    await conn.execute(text(_STAGE))
    raw = (await conn.get_raw_connection()).driver_connection
    assert raw is not None  # asyncpg's connection, for COPY
    rows = [
        (batch.tenant_id, r.event_id, r.meter, r.quantity, r.occurred_at)  # a Meter is a str
        for batch in batches
        for r in batch.records
    ]
    await raw.copy_records_to_table("incoming_usage", records=rows)
    duplicates: dict[uuid.UUID, set[uuid.UUID]] = {}
    for tenant_id, event_id in await raw.fetch(_MOVE):
        duplicates.setdefault(tenant_id, set()).add(event_id)
    return {
        batch.tenant_id: [r for r in batch.records if r.event_id not in duplicates[batch.tenant_id]]
        if batch.tenant_id in duplicates
        else list(batch.records)
        for batch in batches
    }


async def ensure_partitions(
    conn: AsyncConnection, now: datetime, months_back: int, months_ahead: int
) -> int:
    """Create the monthly partitions from `months_back` ago to `months_ahead` ahead."""
    first = partition_for(now).shifted(-months_back)
    wanted = partitions_ahead(first.start, months_back + months_ahead)
    for partition in wanted:
        await conn.execute(text(create_partition_sql(TABLE, partition)))
    return len(wanted)
