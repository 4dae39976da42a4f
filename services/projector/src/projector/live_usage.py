"""Live usage: a Faust windowed table (tumbling hour) feeding Redis counters of recent hours.

The table's value per (tenant/meter, hour) maps batch id → quantity, so a redelivered
batch rewrites its own entry instead of adding twice; Redis gets the window's sum, an
absolute value. The exact, durable rollups are the read DB's (stores/usage_rollups.py).
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from functools import partial

import faust
import structlog
from cachetools import TTLCache
from redis.exceptions import RedisError

from projector.commits import GroupCommits
from projector.projector import PROJECTION_LAG, Projector
from projector.resilience import until_stores_answer
from tessera_common.events.envelope import EventEnvelope
from tessera_common.events.expectations import Consumes
from tessera_common.events.topics import USAGE_EVENTS
from tessera_common.events.upcasting import parse_as
from tessera_common.events.usage import UsageRecorded
from tessera_common.read_documents import LIVE_USAGE_HOURS, recent_hours

# What the live counters read of each event; provider tests hold the producers to it.
CONSUMES: Consumes = {
    "UsageRecorded": {
        "batch_id": "uuid", "tenant_id": "uuid", "hourly[].hour": "date-time",
        "hourly[].meter": "string", "hourly[].quantity": "integer",
    },
}  # fmt: skip
HOUR = 3600.0
log = structlog.get_logger(__name__)
JSON: faust.types.SchemaT[str, dict[str, int]] = faust.Schema(
    key_serializer="json", value_serializer="json"
)
Stores = Callable[[], Awaitable[Projector]]


AGENT = "live-usage"
# A tenant found not erased is taken as such this long without asking the read DB again:
# an erasure meanwhile leaves a marker that the counter write checks atomically (for as long
# as counters live), so the read DB's tombstone only has to answer for older erasures.
NOT_ERASED_SECONDS = 60.0


def add_live_usage_agent(
    app: faust.App, partitions: int, stores: Stores, deadline: float, commits: GroupCommits
) -> None:
    """`deadline`: the longest one store call may take before it is retried (erasure check)
    or given up for this event (the Redis write, which the next event of the key redoes)."""
    table = app.Table(
        "usage-live",
        default=dict,
        partitions=partitions,
        schema=JSON,
    ).tumbling(HOUR, expires=timedelta(hours=LIVE_USAGE_HOURS))
    not_erased: TTLCache[uuid.UUID, bool] = TTLCache(100_000, NOT_ERASED_SECONDS)
    # Offsets are committed from what the agents applied (projector.commits), not acked.
    source = app.topic(USAGE_EVENTS, value_type=bytes, key_type=bytes, allow_empty=True, acks=False)

    async def count(stream: faust.StreamT[bytes]) -> None:
        # One event at a time: the table's changelog goes to the partition of the event
        # being processed, which must be the tenant's.
        async for event in stream.events():
            await count_one(event)
            # Counted, or nothing in it to count: the group's offset may pass it.
            commits.applied(AGENT, event.message.tp, event.message.offset + 1)

    async def count_one(event: faust.types.EventT[bytes]) -> None:
        try:
            envelope = EventEnvelope.from_json(event.value)
            if envelope.event_type != UsageRecorded.event_type:
                return
            recorded = parse_as(UsageRecorded, envelope)
        except (ValueError, TypeError):
            return  # poison: the projection agent dead-letters it
        projector = await stores()
        if recorded.tenant_id not in not_erased:
            erased = partial(projector.postgres.erased, recorded.tenant_id)
            if await until_stores_answer(erased, deadline):
                return  # e.g. the gateway's metering, flushed after the erasure
            not_erased[recorded.tenant_id] = True
        covered = set(recent_hours())
        sums: dict[datetime, dict[str, int]] = {}
        for total in recorded.hourly:
            hour = total.hour.astimezone(UTC)
            if hour not in covered:
                continue  # older hours live in the read DB's rollups only
            window = table.relative_to(hour.timestamp())  # type: ignore[attr-defined]
            key = f"{recorded.tenant_id}/{total.meter.value}"
            contributions = {**window[key].value(), str(recorded.batch_id): total.quantity}
            window[key] = contributions
            sums.setdefault(hour, {})[total.meter.value] = sum(contributions.values())
        if not sums:
            return
        try:
            async with asyncio.timeout(deadline):
                await projector.redis.write_live_usage(recorded.tenant_id, sums)
        except (RedisError, TimeoutError) as exc:
            # The window keeps the sums and the next event of the key writes them whole;
            # crashing the agent would only drop the events it holds.
            log.warning("live_usage_write_failed", error=repr(exc))
            return
        lag = datetime.now(UTC) - envelope.occurred_at
        PROJECTION_LAG.labels("usage", "redis-live").observe(lag.total_seconds())

    app.agent(source, name=AGENT, concurrency=1)(count)
