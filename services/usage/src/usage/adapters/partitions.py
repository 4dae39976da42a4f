"""Keeps the monthly partitions created ahead of time, on every shard."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import structlog

from tessera_common.db.engines import ShardEngines
from usage.adapters.records import ensure_partitions
from usage.settings import RetentionSettings

log = structlog.get_logger(__name__)
EVERY_SECONDS = 3600.0


async def maintain_partitions(engines: ShardEngines, retention: RetentionSettings) -> None:
    while True:
        for shard in engines.names:
            try:
                async with engines[shard].begin() as conn:
                    await ensure_partitions(
                        conn, datetime.now(UTC), retention.retention_months,
                        retention.partitions_ahead,
                    )  # fmt: skip
            except Exception as exc:
                log.warning("partition_maintenance_failed", shard=shard, error=repr(exc))
        await asyncio.sleep(EVERY_SECONDS)
