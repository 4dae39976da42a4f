"""What the usage handlers need from the outside world, as protocols adapters implement."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from typing import Protocol

from tessera_common.commands import ports
from tessera_common.commands.ports import Clock
from tessera_common.events.envelope import EventEnvelope
from tessera_common.vocabulary import Region
from usage.domain.batch import Batch, UsageRecord

__all__ = ["BatchStore", "Clock", "TenantShards", "UnitOfWork"]


class BatchStore(Protocol):
    """Batches it takes in publish their events when the unit of work commits."""

    async def add(self, batches: Sequence[Batch]) -> dict[uuid.UUID, list[UsageRecord]]: ...


class UnitOfWork(ports.UnitOfWork, Protocol):
    @property
    def batches(self) -> BatchStore: ...

    async def commit(self) -> list[EventEnvelope]:
        """Only for a command spanning shards: commit one shard's work before the next."""
        ...


class TenantShards(Protocol):
    """Where each tenant's rows live: its account's shard, in its region's group."""

    async def shards_of(self, tenants: Mapping[uuid.UUID, Region]) -> dict[uuid.UUID, str]: ...
