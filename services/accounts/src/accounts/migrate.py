"""`python -m accounts.migrate`: the accounts schema on every shard, and the directory."""

from pathlib import Path

from accounts.settings import DATABASE, AccountsSettings
from tessera_common.db.migrations import upgrade
from tessera_common.db.urls import with_database

MIGRATIONS = Path(__file__).resolve().parents[2] / "migrations"


def main() -> None:
    settings = AccountsSettings()
    for shard, url in settings.shards.servers.items():
        upgrade(MIGRATIONS / "shards", with_database(url, DATABASE))
        print(f"accounts: {shard} at head")
    upgrade(MIGRATIONS / "directory", settings.directory.db_url)
    print("accounts: directory at head")


if __name__ == "__main__":
    main()
