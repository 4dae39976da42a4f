"""Tenant moves, for operators: start one (it runs in this process, step by step, kept in
the directory), and follow its progress. `python -m accounts.moves` resumes or aborts."""

from __future__ import annotations

import uuid
from typing import cast

import structlog
from fastapi import APIRouter, Response
from fastapi.responses import JSONResponse

from accounts.bootstrap import Accounts
from accounts.entrypoints.schemas import MoveTenantRequest, TenantMoveBody
from tessera_common.http.commands import CommandDep
from tessera_common.http.openapi import problems
from tessera_common.http.service_app import OperatorDep
from tessera_common.problems import Problem
from tessera_common.resharding.moves import Move, MoveError, TenantMover

log = structlog.get_logger(__name__)
router = APIRouter(prefix="/v1/tenants/{tenant_id}/moves", tags=["tenant-moves"])


def _body(move: Move) -> TenantMoveBody:
    return TenantMoveBody.model_validate(move.as_dict())


def _location(move: Move) -> str:
    return f"/v1/tenants/{move.tenant_id}/moves/{move.id}"


async def _run(mover: TenantMover, move: Move) -> None:
    try:
        await mover.run(move.id)
    except Exception as exc:  # recorded on the move; resuming carries it on
        log.warning("tenant_move_failed", move_id=str(move.id), error=repr(exc))


@router.post(
    "", status_code=202, response_model=TenantMoveBody, responses=problems(403, 409, 422, 503)
)
async def post_move(
    tenant_id: uuid.UUID, body: MoveTenantRequest, *, command: CommandDep, _: OperatorDep
) -> Response:
    """Move the tenant's accounts and usage rows to `target`, online. Answers once the move
    is planned; it runs on in the background: follow it at the Location."""
    accounts = cast(Accounts, command.service)
    mover = accounts.tenant_mover()
    try:
        move = await mover.plan(tenant_id, body.target)
    except MoveError as exc:
        raise Problem(409, "move-refused", "Move refused", str(exc)) from exc
    accounts.background.start(_run(mover, move))
    return JSONResponse(
        _body(move).model_dump(mode="json"), status_code=202,
        headers={"Location": _location(move)},
    )  # fmt: skip


@router.get("/{move_id}", response_model=TenantMoveBody, responses=problems(403, 404))
async def get_move(
    tenant_id: uuid.UUID, move_id: uuid.UUID, *, command: CommandDep, _: OperatorDep
) -> TenantMoveBody:
    """A move and its progress."""
    try:
        move = await cast(Accounts, command.service).tenant_mover().get(move_id)
    except MoveError:
        move = None
    if move is None or move.tenant_id != tenant_id:
        raise Problem(404, "not-found", "Move not found")
    return _body(move)
