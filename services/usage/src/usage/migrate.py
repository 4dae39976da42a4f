"""`python -m usage.migrate`: the usage schema and its monthly partitions on every shard."""

import asyncio
from datetime import UTC, datetime
from pathlib import Path

from tessera_common.db.engines import create_engine
from tessera_common.db.migrations import upgrade
from tessera_common.db.urls import with_database
from usage.adapters.records import ensure_partitions
from usage.settings import DATABASE, UsageSettings

MIGRATIONS = Path(__file__).resolve().parents[2] / "migrations"


async def _partitions(url: str, settings: UsageSettings) -> int:
    engine = create_engine(url, pool_size=1)
    try:
        async with engine.begin() as conn:
            retention = settings.retention
            return await ensure_partitions(
                conn, datetime.now(UTC), retention.retention_months, retention.partitions_ahead
            )
    finally:
        await engine.dispose()


def main() -> None:
    settings = UsageSettings()
    for shard, server in settings.shards.servers.items():
        url = with_database(server, DATABASE)
        upgrade(MIGRATIONS / "shards", url)
        created = asyncio.run(_partitions(url, settings))
        print(f"usage: {shard} at head, {created} monthly partitions")


if __name__ == "__main__":
    main()
