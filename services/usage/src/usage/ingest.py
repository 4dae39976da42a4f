"""Ingest a batch on the tenant's regional shard: new records plus one event, one transaction."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from tessera_common.db.engines import ShardEngines
from tessera_common.db.unit_of_work import ShardUnitOfWork
from tessera_common.domain_errors import InvalidFieldError
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
        new = (await insert_new(uow.connection, [batch]))[tenant_id]
        if new:
            events = [usage_recorded(tenant_id, new, now)]
            uow.publish(events)
        result = Ingested(len(new), len(records) - len(new), events)
        await uow.commit(render(result) if render else None)
    return result


@dataclass(frozen=True)
class TenantRecords:
    """Records of one tenant within a batch of many tenants' (the gateway's metering)."""

    tenant_id: uuid.UUID
    region: Region
    records: list[UsageRecord]


@dataclass(frozen=True)
class TenantOutcome:
    tenant_id: uuid.UUID
    accepted: int = 0
    duplicates: int = 0
    refused: str | None = None  # why this tenant's records were not taken (the rest were)


async def ingest_many(
    entries: list[TenantRecords],
    *,
    engines: ShardEngines,
    groups: RegionShardGroups,
    now: datetime,
    retention_months: int,
) -> list[TenantOutcome]:
    """Many tenants' records: one transaction per shard (one COPY, one statement, an event
    per tenant with new records). A tenant whose records are invalid is refused alone."""
    oldest = partition_for(now).shifted(-retention_months).start
    outcomes: dict[uuid.UUID, TenantOutcome] = {}
    by_shard: dict[str, list[Batch]] = {}
    for entry in entries:
        try:
            batch = Batch.accept(entry.tenant_id, entry.records, now=now, oldest=oldest)
        except InvalidFieldError as exc:
            outcomes[entry.tenant_id] = TenantOutcome(entry.tenant_id, refused=str(exc))
            continue
        by_shard.setdefault(groups.place(entry.tenant_id, entry.region), []).append(batch)
    for shard, batches in by_shard.items():
        async with ShardUnitOfWork(engines, shard, USAGE_EVENTS) as uow:
            stored = await insert_new(uow.connection, batches)
            uow.publish([usage_recorded(tenant, new, now) for tenant, new in stored.items() if new])
            await uow.commit()
        sent = {batch.tenant_id: len(batch.records) + batch.repeated_in_batch for batch in batches}
        for tenant, new in stored.items():
            outcomes[tenant] = TenantOutcome(tenant, len(new), sent[tenant] - len(new))
    return [outcomes[entry.tenant_id] for entry in entries]
