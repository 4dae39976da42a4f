"""`python -m billing.moves`: move a tenant's billing rows to another shard, online, off the
ring's pick (an override places them; see tessera_common.resharding.moves for the steps).
`make isolate-tenant` moves a tenant's billing rows onto its own shard this way.

    python -m billing.moves start --tenant ID --to tenant-1a2b3c4d
    python -m billing.moves resume --move ID
    python -m billing.moves abort --move ID
    python -m billing.moves status --tenant ID
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from billing.bootstrap import bootstrap
from billing.settings import BillingSettings
from tessera_common.resharding import cli
from tessera_common.resharding.moves import TenantMover


@asynccontextmanager
async def mover(settings: BillingSettings) -> AsyncIterator[TenantMover]:
    """A mover of billing rows over the shards of the topology the services follow."""
    billing = bootstrap(settings)
    try:
        await billing.topology.follow()
        yield billing.billing_mover()
    finally:
        await billing.stop()


def main() -> None:
    cli.main("python -m billing.moves", lambda: mover(BillingSettings()))


if __name__ == "__main__":
    main()
