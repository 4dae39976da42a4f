"""`python -m accounts.moves`: move a tenant's rows (accounts and usage) to another shard,
online, and follow its moves (see tessera_common.resharding.moves for the steps).

    python -m accounts.moves start --tenant ID --to shard-3
    python -m accounts.moves resume --move ID     # after a kill: on from the last step
    python -m accounts.moves abort --move ID      # before the flip: as if never begun
    python -m accounts.moves status --tenant ID
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import structlog

from accounts.bootstrap import bootstrap
from accounts.settings import AccountsSettings
from tessera_common.resharding.moves import MoveError, MoveState, TenantMover


@asynccontextmanager
async def mover(settings: AccountsSettings) -> AsyncIterator[TenantMover]:
    """A mover over the shards of the topology the services follow."""
    accounts = bootstrap(settings)
    try:
        await accounts.topology.follow()  # the newest version, and engines for its shards
        yield accounts.tenant_mover()
    finally:
        await accounts.stop()


async def _run(args: argparse.Namespace) -> object:
    async with mover(AccountsSettings()) as moves:
        return await _command(moves, args)


async def _command(moves: TenantMover, args: argparse.Namespace) -> object:
    stop_after = MoveState(args.stop_after) if getattr(args, "stop_after", None) else None
    match args.command:
        case "start":
            planned = await moves.plan(uuid.UUID(args.tenant), args.to)
            print(f"move {planned.id}: {planned.source} -> {planned.target}", file=sys.stderr)
            return (await moves.run(planned.id, stop_after=stop_after)).as_dict()
        case "resume":
            return (await moves.run(uuid.UUID(args.move), stop_after=stop_after)).as_dict()
        case "abort":
            return (await moves.abort(uuid.UUID(args.move))).as_dict()
    return [move.as_dict() for move in await moves.moves_of(uuid.UUID(args.tenant))]


def main() -> None:
    # Standard output is the moves' JSON; the steps' log lines go to standard error.
    structlog.configure(logger_factory=structlog.PrintLoggerFactory(file=sys.stderr))
    parser = argparse.ArgumentParser(prog="python -m accounts.moves")
    commands = parser.add_subparsers(dest="command", required=True)
    start = commands.add_parser("start", help="plan a move and run it to the end")
    start.add_argument("--tenant", required=True)
    start.add_argument("--to", required=True, help="the target shard")
    resume = commands.add_parser("resume", help="run a move on from its last step")
    resume.add_argument("--move", required=True)
    for command in (start, resume):
        command.add_argument(
            "--stop-after", choices=[s.value for s in MoveState], default="",
            help="stop once the move reaches this state (a drill of a kill)",
        )  # fmt: skip
    abort = commands.add_parser("abort", help="undo a move that has not flipped")
    abort.add_argument("--move", required=True)
    status = commands.add_parser("status", help="every move of a tenant")
    status.add_argument("--tenant", required=True)
    try:
        print(json.dumps(asyncio.run(_run(parser.parse_args())), indent=2))
    except MoveError as exc:
        print(f"move refused: {exc}", file=sys.stderr)
        raise SystemExit(2) from exc


if __name__ == "__main__":
    main()
