"""RecordUsage: a tenant's batch, stored on its shard; duplicates are counted."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from tessera_common.vocabulary import Region
from usage.app.ports import Clock, TenantShards, UnitOfWork
from usage.domain.batch import Batch, UsageRecord, oldest_kept


@dataclass(frozen=True)
class RecordUsage:
    tenant_id: uuid.UUID
    region: Region
    records: tuple[UsageRecord, ...]


@dataclass(frozen=True)
class Recorded:
    accepted: int
    duplicates: int  # by event id: sent before, or twice in this batch


async def record_usage(
    cmd: RecordUsage,
    uow: UnitOfWork,
    tenant_shards: TenantShards,
    clock: Clock,
    retention_months: int,
) -> Recorded:
    """The whole batch or nothing: one invalid record refuses it."""
    now = clock()
    batch = Batch.accept(
        cmd.tenant_id, list(cmd.records), now=now, oldest=oldest_kept(now, retention_months)
    )
    shards = await tenant_shards.shards_of({cmd.tenant_id: cmd.region})
    await uow.open(shards[cmd.tenant_id])
    new = (await uow.batches.add([batch]))[cmd.tenant_id]
    batch.stored(new, now)
    return Recorded(len(new), len(cmd.records) - len(new))
