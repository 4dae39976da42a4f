"""The inbox: a consumer records each event it applies in the same transaction as the effect.

A redelivered event finds its row and is skipped, so at-least-once delivery gives
an exactly-once effect, without relying on the effect itself being idempotent.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping

from sqlalchemy import Column, DateTime, MetaData, String, Table, Uuid, func
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncConnection

metadata = MetaData()

inbox = Table(
    "inbox",
    metadata,
    Column("consumer", String(100), primary_key=True),
    Column("event_id", Uuid, primary_key=True),
    Column("processed_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    # The event's tenant: a tenant's inbox rows move with it to another shard.
    Column("tenant_id", Uuid, nullable=True),
)
ADD_INBOX_TENANT_DDL = "ALTER TABLE inbox ADD COLUMN IF NOT EXISTS tenant_id uuid"
DROP_INBOX_TENANT_DDL = "ALTER TABLE inbox DROP COLUMN IF EXISTS tenant_id"


async def first_deliveries(
    conn: AsyncConnection, consumer: str, events: Mapping[uuid.UUID, uuid.UUID | None]
) -> frozenset[uuid.UUID]:
    """Record the events (event id -> its tenant) for `consumer` in one statement; those
    not applied before."""
    rows = [
        {"consumer": consumer, "event_id": event_id, "tenant_id": tenant_id}
        for event_id, tenant_id in events.items()
    ]
    if not rows:
        return frozenset()
    stmt = insert(inbox).values(rows).on_conflict_do_nothing().returning(inbox.c.event_id)
    return frozenset((await conn.execute(stmt)).scalars())
