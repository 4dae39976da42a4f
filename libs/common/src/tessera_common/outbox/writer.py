"""Outbox rows for events, written inside the aggregate's own transaction."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Update
from sqlalchemy.ext.asyncio import AsyncConnection

from tessera_common.events.envelope import EventEnvelope
from tessera_common.observability.propagation import current_trace_headers
from tessera_common.outbox.table import outbox


def outbox_row(topic: str, event: EventEnvelope, headers: dict[str, str]) -> dict[str, Any]:
    return {
        "event_id": event.event_id,
        "topic": topic,
        "message_key": str(event.tenant_id),
        "event_type": event.event_type,
        "aggregate_id": event.aggregate_id,
        "aggregate_version": event.aggregate_version,
        "envelope": event.to_json().decode(),
        "headers": headers,
    }


async def write_outbox(
    conn: AsyncConnection,
    topic: str,
    events: Sequence[EventEnvelope],
    headers: dict[str, str] | None = None,
    *,
    alongside: Update | None = None,
) -> None:
    """Rows for `events`; their headers carry the command's trace context to the relay.
    `alongside`, another change of the same transaction, goes in the same statement as a
    single row (a WITH clause), which saves it a round trip. (A statement of several rows
    in VALUES cannot be cached compiled, so those are sent apart.)"""
    headers = {**current_trace_headers(), **(headers or {})}
    rows = [outbox_row(topic, e, headers) for e in events]
    if alongside is not None and len(rows) == 1:
        await conn.execute(outbox.insert().values(rows[0]).add_cte(alongside.cte("alongside")))
        return
    if alongside is not None:
        await conn.execute(alongside)
    if rows:
        await conn.execute(outbox.insert(), rows)
