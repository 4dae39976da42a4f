"""RecordMetered: many tenants' records at once (the gateway's metering flush)."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from tessera_common.domain_errors import InvalidFieldError
from tessera_common.vocabulary import Region
from usage.app.ports import Clock, TenantShards, UnitOfWork
from usage.domain.batch import Batch, UsageRecord, oldest_kept


@dataclass(frozen=True)
class TenantRecords:
    tenant_id: uuid.UUID
    region: Region
    records: tuple[UsageRecord, ...]


@dataclass(frozen=True)
class RecordMetered:
    tenants: tuple[TenantRecords, ...]


@dataclass(frozen=True)
class TenantOutcome:
    tenant_id: uuid.UUID
    accepted: int = 0
    duplicates: int = 0
    refused: str | None = None  # why this tenant's records were not taken (the rest were)


def _by_shard(
    cmd: RecordMetered, shards: Mapping[uuid.UUID, str], now: datetime, oldest: datetime
) -> tuple[dict[str, list[Batch]], dict[uuid.UUID, TenantOutcome]]:
    """Each tenant's batch on its shard; a tenant whose records are invalid is refused alone."""
    by_shard: dict[str, list[Batch]] = {}
    refused: dict[uuid.UUID, TenantOutcome] = {}
    for entry in cmd.tenants:
        try:
            batch = Batch.accept(entry.tenant_id, list(entry.records), now=now, oldest=oldest)
        except InvalidFieldError as exc:
            refused[entry.tenant_id] = TenantOutcome(entry.tenant_id, refused=str(exc))
            continue
        by_shard.setdefault(shards[entry.tenant_id], []).append(batch)
    return by_shard, refused


async def record_metered(
    cmd: RecordMetered,
    uow: UnitOfWork,
    tenant_shards: TenantShards,
    clock: Clock,
    retention_months: int,
) -> list[TenantOutcome]:
    """One transaction per shard (one COPY, one statement, an event per tenant with new
    records), committed shard by shard: the outcomes, in the order the tenants came."""
    now = clock()
    shards = await tenant_shards.shards_of({entry.tenant_id: entry.region for entry in cmd.tenants})
    by_shard, outcomes = _by_shard(cmd, shards, now, oldest_kept(now, retention_months))
    for shard, batches in by_shard.items():
        await uow.open(shard)
        stored = await uow.batches.add(batches)
        for batch in batches:
            new = stored[batch.tenant_id]
            batch.stored(new, now)
            outcomes[batch.tenant_id] = TenantOutcome(
                batch.tenant_id, len(new), batch.sent - len(new)
            )
        await uow.commit()
    return [outcomes[entry.tenant_id] for entry in cmd.tenants]
