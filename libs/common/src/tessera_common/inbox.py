"""The inbox: a consumer records each event it applies in the same transaction as the effect.

A redelivered event finds its row and is skipped, so at-least-once delivery gives
an exactly-once effect, without relying on the effect itself being idempotent.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable

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
)


async def first_deliveries(
    conn: AsyncConnection, consumer: str, event_ids: Iterable[uuid.UUID]
) -> frozenset[uuid.UUID]:
    """Record the events for `consumer` in one statement; those not applied before."""
    rows = [{"consumer": consumer, "event_id": event_id} for event_id in dict.fromkeys(event_ids)]
    if not rows:
        return frozenset()
    stmt = insert(inbox).values(rows).on_conflict_do_nothing().returning(inbox.c.event_id)
    return frozenset((await conn.execute(stmt)).scalars())
