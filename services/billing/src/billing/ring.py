"""`python -m billing.ring`: grow the billing ring onto a shard of the topology, online, and
see where a growth stands (see tessera_common.resharding.ring_growth for the phases).

    python -m billing.ring grow --shard shard-3 [--follower http://billing-0:8000 ...]
    python -m billing.ring status

`--follower` names each process that follows the topology (its base URL, for its
metrics): each phase waits until all of them follow it. Without any, each phase waits
three poll intervals.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from typing import Any

import structlog

from billing.bootstrap import Billing, bootstrap
from billing.settings import DATABASE, BillingSettings
from tessera_common.db.topology import TopologyStore
from tessera_common.resharding.following import followed_by
from tessera_common.resharding.moves import MoveError
from tessera_common.resharding.ring_growth import RingGrower
from tessera_common.sharding.topology import TopologyError


def grower(billing: Billing, followers: list[str], pause_seconds: float) -> RingGrower:
    """A grower of the ring `billing` follows; each phase waits for `followers` (or, with
    none, for three poll intervals)."""
    poll = billing.settings.topology.poll_seconds

    async def followed(version: int) -> float:
        if followers:
            return await followed_by(followers, version)
        await asyncio.sleep(3 * poll)
        return 3 * poll

    return RingGrower(
        billing.settings.directory.db_url, TopologyStore(billing.directory_engine),
        billing.server_urls, billing.billing_mover, followed, database=DATABASE,
        pause_seconds=pause_seconds,
    )  # fmt: skip


async def _run(args: argparse.Namespace) -> dict[str, Any]:
    billing = bootstrap(BillingSettings())
    try:
        await billing.topology.follow()
        ring = grower(billing, args.follower or [], getattr(args, "pause", 0.0))
        if args.command == "grow":
            return (await ring.grow(args.shard)).as_dict()
        topology = billing.topology.current
        reassigned = await ring.reassigned(topology)
        return {
            "version": topology.version,
            "billing_ring": list(topology.billing_ring),
            "growing_into": list(topology.billing_ring_next),
            "sealed": topology.billing_ring_sealed,
            "tenants_on_ring": reassigned.tenants,
            "left_to_move": len(reassigned.moves),
        }
    finally:
        await billing.stop()


def main() -> None:
    # Standard output is the report's JSON; the progress log lines go to standard error.
    structlog.configure(logger_factory=structlog.PrintLoggerFactory(file=sys.stderr))
    parser = argparse.ArgumentParser(prog="python -m billing.ring")
    commands = parser.add_subparsers(dest="command", required=True)
    grow = commands.add_parser("grow", help="grow the ring onto a shard (or resume growing)")
    grow.add_argument("--shard", required=True, help="a shard of the topology, not in the ring")
    grow.add_argument("--pause", type=float, default=0.1, help="seconds between two tenants' moves")
    status = commands.add_parser("status", help="the ring, and the tenants left to move")
    for command in (grow, status):
        command.add_argument(
            "--follower", action="append", help="a process following the topology (base URL)"
        )
    try:
        print(json.dumps(asyncio.run(_run(parser.parse_args())), indent=2))
    except (MoveError, TopologyError) as exc:
        print(f"ring growth refused: {exc}", file=sys.stderr)
        raise SystemExit(2) from exc


if __name__ == "__main__":
    main()
