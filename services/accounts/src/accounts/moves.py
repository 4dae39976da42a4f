"""`python -m accounts.moves`: move a tenant's home rows (accounts and usage) to another
shard, online, and follow its moves (see tessera_common.resharding.moves for the steps).

    python -m accounts.moves start --tenant ID --to shard-3
    python -m accounts.moves resume --move ID     # after a kill: on from the last step
    python -m accounts.moves abort --move ID      # before the flip: as if never begun
    python -m accounts.moves status --tenant ID
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from accounts.bootstrap import bootstrap
from accounts.settings import AccountsSettings
from tessera_common.resharding import cli
from tessera_common.resharding.moves import TenantMover


@asynccontextmanager
async def mover(settings: AccountsSettings) -> AsyncIterator[TenantMover]:
    """A mover over the shards of the topology the services follow."""
    accounts = bootstrap(settings)
    try:
        await accounts.topology.follow()  # the newest version, and engines for its shards
        yield accounts.tenant_mover()
    finally:
        await accounts.stop()


def main() -> None:
    cli.main("python -m accounts.moves", lambda: mover(AccountsSettings()))


if __name__ == "__main__":
    main()
