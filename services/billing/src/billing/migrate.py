"""`python -m billing.migrate`: the billing database on every shard."""

import asyncio

from billing.settings import DATABASE, BillingSettings
from tessera_common.db.migrations import ensure_database
from tessera_common.db.urls import with_database


def main() -> None:
    settings = BillingSettings()
    for shard, url in settings.shards.servers.items():
        asyncio.run(ensure_database(with_database(url, DATABASE)))
        print(f"billing: {shard} ready")


if __name__ == "__main__":
    main()
