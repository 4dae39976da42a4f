"""`python -m projector.migrate`: the read-model schema on the read DB."""

from pathlib import Path

from projector.settings import ProjectorSettings
from tessera_common.db.migrations import upgrade

MIGRATIONS = Path(__file__).resolve().parents[2] / "migrations"


def main() -> None:
    upgrade(MIGRATIONS / "read_models", ProjectorSettings().read_db.url)
    print("projector: read models at head")


if __name__ == "__main__":
    main()
