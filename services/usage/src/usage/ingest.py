"""Ingest a batch on the tenant's regional shard: new records plus one event, one transaction."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from tessera_common.db.engines import ShardEngines
from tessera_common.db.unit_of_work import ShardUnitOfWork
from tessera_common.events.envelope import EventEnvelope
from tessera_common.events.topics import USAGE_EVENTS
from tessera_common.idempotency import IdempotencyGuard, StoredResponse
from tessera_common.sharding.geo import RegionShardGroups
from tessera_common.sharding.time_partitions import partition_for
from tessera_common.vocabulary import Region
from usage.adapters.integration_events import usage_recorded
from usage.adapters.records import insert_new
from usage.domain.batch import Batch, UsageRecord


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
            events = [usage_recorded(tenant_id, new, now)]
            uow.publish(events)
        result = Ingested(len(new), len(records) - len(new), events)
        await uow.commit(render(result) if render else None)
    return result
