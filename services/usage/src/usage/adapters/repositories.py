"""Store usage batches on one shard's connection; the batches stored publish their events."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncConnection

from usage.adapters.records import insert_new
from usage.domain.batch import Batch, UsageRecord


class BatchRepository:
    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn
        self.seen: list[Batch] = []

    async def add(self, batches: Sequence[Batch]) -> dict[uuid.UUID, list[UsageRecord]]:
        """Store the batches' records; returns, per tenant, those not stored before."""
        stored = await insert_new(self._conn, batches)
        self.seen.extend(batches)
        return stored

    async def save_changes(self) -> None:
        """Nothing: a batch is written whole by `add`."""
