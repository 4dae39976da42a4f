"""`python -m billing.migrate`: the billing schema on every shard of the ring."""

from pathlib import Path

from billing.settings import DATABASE, BillingSettings
from tessera_common.db.migrations import upgrade
from tessera_common.db.urls import with_database

MIGRATIONS = Path(__file__).resolve().parents[2] / "migrations"


def main() -> None:
    for shard, url in BillingSettings().shards.servers.items():
        upgrade(MIGRATIONS / "shards", with_database(url, DATABASE))
        print(f"billing: {shard} at head")


if __name__ == "__main__":
    main()
