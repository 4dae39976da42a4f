"""Idempotency-Key on every POST: a guard for the command's unit of work, and replays."""

from __future__ import annotations

import uuid
from functools import partial

from cryptography.exceptions import InvalidTag
from fastapi import FastAPI, Request, Response
from pydantic import BaseModel

from accounts.adapters.unit_of_work import Render
from accounts.app.ports import UnitOfWorkFactory
from accounts.bootstrap import Accounts
from accounts.entrypoints.responses import as_response
from tessera_common.auth.internal_token import Caller
from tessera_common.idempotency import IdempotencyGuard, IdempotentReplayError
from tessera_common.idempotency.guard import HEADER, request_fingerprint, validate_key
from tessera_common.problems import Problem, problem_response

# Tenant ids derived from idempotency keys live in their own UUIDv5 namespace.
TENANT_IDS = uuid.UUID("5d0c4ba5-7e55-4e2a-9d3c-6f1c0e5a7b21")


def idempotency_guard(
    request: Request, caller: Caller, body: BaseModel | None, accounts: Accounts
) -> IdempotencyGuard | None:
    """The guard when the request carries an Idempotency-Key, else None."""
    key = request.headers.get(HEADER)
    if key is None:
        return None
    scope = "operator" if caller.operator else f"tenant:{caller.tenant_id}"
    canonical = body.model_dump_json().encode() if body is not None else b""
    return IdempotencyGuard(
        scope=scope,
        key=validate_key(key),
        request_hash=request_fingerprint(request.method, request.url.path, canonical),
        ttl=accounts.idempotency_ttl,
        cipher=accounts.response_cipher,
    )


def units_of_work(
    accounts: Accounts, guard: IdempotencyGuard | None, render: Render
) -> UnitOfWorkFactory:
    return partial(accounts.unit_of_work, guard=guard, render=render)


def new_tenant_id(guard: IdempotencyGuard | None) -> uuid.UUID:
    """A retry of the same keyed request must find the same tenant."""
    if guard is None:
        return uuid.uuid4()
    return uuid.uuid5(TENANT_IDS, f"{guard.scope}\n{guard.key}")


def install_replay_handler(app: FastAPI) -> None:
    async def on_replay(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, IdempotentReplayError)
        return as_response(exc.response, replayed=True)

    async def on_unreadable(request: Request, exc: Exception) -> Response:
        problem = Problem(
            409, "idempotency-record-unreadable", "Idempotency record unreadable",
            "the stored response cannot be decrypted (rotated secret); use a new key",
        )  # fmt: skip
        return problem_response(problem, request.url.path)

    app.add_exception_handler(IdempotentReplayError, on_replay)
    app.add_exception_handler(InvalidTag, on_unreadable)
