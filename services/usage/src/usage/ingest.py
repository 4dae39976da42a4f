"""Ingest a batch on the tenant's regional shard: new records plus one event, one transaction."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from tessera_common.db.engines import ShardEngines
from tessera_common.db.unit_of_work import ShardUnitOfWork
from tessera_common.events.envelope import EventEnvelope, new_event
from tessera_common.events.topics import USAGE_EVENTS
from tessera_common.events.usage import UsageHourTotal, UsageRecorded, UsageTotal
from tessera_common.idempotency import IdempotencyGuard, StoredResponse
from tessera_common.sharding.geo import RegionShardGroups
from tessera_common.sharding.time_partitions import partition_for
from tessera_common.vocabulary import Region
from usage.adapters.records import insert_new
from usage.domain.batch import Batch, UsageRecord, hourly_totals, totals


@dataclass(frozen=True)
class Ingested:
    accepted: int
    duplicates: int
    events: list[EventEnvelope]


async def ingest(
    tenant_id: uuid.UUID,
    region: Region,
    records: list[UsageRecord],
    *,
    engines: ShardEngines,
    groups: RegionShardGroups,
    now: datetime,
    retention_months: int,
    guard: IdempotencyGuard | None = None,
    render: Callable[[Ingested], StoredResponse] | None = None,
) -> Ingested:
    oldest = partition_for(now).shifted(-retention_months).start
    batch = Batch.accept(tenant_id, records, now=now, oldest=oldest)
    # Geographic sharding: the tenant's region's group, the same pick as its account's.
    shard = groups.place(tenant_id, region)
    events: list[EventEnvelope] = []
    async with ShardUnitOfWork(engines, shard, USAGE_EVENTS, guard) as uow:
        new = await insert_new(uow.connection, batch)
        if new:
            events = [_recorded(tenant_id, new, now)]
            uow.publish(events)
        result = Ingested(len(new), len(records) - len(new), events)
        await uow.commit(render(result) if render else None)
    return result


def _recorded(tenant_id: uuid.UUID, new: list[UsageRecord], now: datetime) -> EventEnvelope:
    batch_id = uuid.uuid4()
    payload = UsageRecorded(
        batch_id=batch_id,
        tenant_id=tenant_id,
        totals=[
            UsageTotal(period=period, meter=meter, quantity=quantity)
            for (period, meter), quantity in sorted(totals(new).items())
        ],
        records=len(new),
        recorded_at=now,
        hourly=[
            UsageHourTotal(hour=hour, meter=meter, quantity=quantity)
            for (hour, meter), quantity in sorted(hourly_totals(new).items())
        ],
    )
    return new_event(
        payload, tenant_id=tenant_id, aggregate_type="usage_batch", aggregate_id=batch_id,
        aggregate_version=1, correlation_id=batch_id,
    )  # fmt: skip
