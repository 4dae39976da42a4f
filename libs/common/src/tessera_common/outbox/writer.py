"""Outbox rows for events, written inside the aggregate's own transaction."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

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
) -> None:
    """Rows for `events`; their headers carry the command's trace context to the relay."""
    if events:
        headers = {**current_trace_headers(), **(headers or {})}
        await conn.execute(outbox.insert(), [outbox_row(topic, e, headers) for e in events])
