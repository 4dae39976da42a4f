"""`python -m accounts.topology show|add-shard`: the shard topology in the tenant directory,
for operators of any deployment (a Compose `run`, a Kubernetes Job). The server must be up
and migrated (`python -m accounts.migrate` etc. with `SHARD_SERVERS` naming it) first."""

from __future__ import annotations

import argparse
import asyncio
import json
import uuid

from tessera_common.db.engines import create_engine
from tessera_common.db.topology import TopologyStore
from tessera_common.settings import DirectorySettings
from tessera_common.vocabulary import Region


async def _run(args: argparse.Namespace) -> str:
    engine = create_engine(DirectorySettings().db_url, pool_size=1)
    store = TopologyStore(engine)
    try:
        if args.command == "add-shard":
            region = Region(args.region) if args.region else None
            tenant = uuid.UUID(args.dedicated_to) if args.dedicated_to else None
            added = await store.add_shard(args.shard, args.url, region, dedicated_to=tenant)
            return f"{args.shard} added: topology version {added.version}"
        latest = await store.latest()
        return json.dumps(
            {"version": latest.version, **latest.to_document(), "history": await store.history()},
            indent=2,
        )
    finally:
        await engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m accounts.topology")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("show", help="the newest version and the history of changes")
    add = commands.add_parser("add-shard", help="publish the next version with a new shard")
    add.add_argument("--shard", required=True, help="its name, e.g. shard-3")
    add.add_argument("--url", required=True, help="its server's URL (the password is dropped)")
    add.add_argument(
        "--region", choices=[r.value for r in Region], default="",
        help="the region whose new tenants may land on it (none if left out)",
    )  # fmt: skip
    add.add_argument("--dedicated-to", default="", help="a tenant id: the shard is its alone")
    print(asyncio.run(_run(parser.parse_args())))


if __name__ == "__main__":
    main()
