"""The inbox: a consumer records each event it applies in the same transaction as the effect.

A redelivered event finds its row and is skipped, so at-least-once delivery gives
an exactly-once effect, without relying on the effect itself being idempotent.
"""

from __future__ import annotations

import uuid

from sqlalchemy import Column, DateTime, MetaData, String, Table, Uuid, func, text
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


async def first_delivery(conn: AsyncConnection, consumer: str, event_id: uuid.UUID) -> bool:
    """Record the event for `consumer`; False if it was already applied (skip it)."""
    stmt = (
        insert(inbox)
        .values(consumer=consumer, event_id=event_id)
        .on_conflict_do_nothing()
        .returning(text("1"))
    )
    return (await conn.execute(stmt)).first() is not None
