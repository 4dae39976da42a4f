"""The command line of a tenant mover (`python -m accounts.moves`, `python -m billing.moves`):
start a move, resume or abort one, list a tenant's moves. Standard output is the moves'
JSON; the steps' log lines go to standard error."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import uuid
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager

import structlog

from tessera_common.resharding.moves import MoveError, MoveState, TenantMover

Movers = Callable[[], AbstractAsyncContextManager[TenantMover]]


async def _run(movers: Movers, args: argparse.Namespace) -> object:
    async with movers() as moves:
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


def main(prog: str, movers: Movers) -> None:
    """Parse the command line and run it with the mover `movers` gives."""
    structlog.configure(logger_factory=structlog.PrintLoggerFactory(file=sys.stderr))
    parser = argparse.ArgumentParser(prog=prog)
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
        print(json.dumps(asyncio.run(_run(movers, parser.parse_args())), indent=2))
    except MoveError as exc:
        print(f"move refused: {exc}", file=sys.stderr)
        raise SystemExit(2) from exc
