"""`python -m usage.migrate`: the usage database on every shard."""

import asyncio

from tessera_common.db.migrations import ensure_database
from tessera_common.db.urls import with_database
from usage.settings import DATABASE, UsageSettings


def main() -> None:
    settings = UsageSettings()
    for shard, url in settings.shards.servers.items():
        asyncio.run(ensure_database(with_database(url, DATABASE)))
        print(f"usage: {shard} ready")


if __name__ == "__main__":
    main()
