"""Idempotency-Key over HTTP: the guard of a request, stored responses, and replays."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import timedelta

from cryptography.exceptions import InvalidTag
from fastapi import FastAPI, Request, Response
from pydantic import BaseModel

from tessera_common.auth.internal_token import Caller
from tessera_common.consistency import HEADER as CONSISTENCY_HEADER
from tessera_common.consistency import consistency_token
from tessera_common.events.envelope import EventEnvelope
from tessera_common.idempotency.cipher import ResponseCipher
from tessera_common.idempotency.guard import (
    HEADER,
    IdempotencyGuard,
    IdempotentReplayError,
    StoredResponse,
    request_fingerprint,
    validate_key,
)
from tessera_common.problems import Problem, problem_response

REPLAYED_HEADER = "Idempotent-Replayed"


def idempotency_guard(
    request: Request,
    caller: Caller,
    body: BaseModel | None,
    *,
    ttl: timedelta,
    cipher: ResponseCipher,
    tenant_id: uuid.UUID | None = None,
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
        ttl=ttl,
        cipher=cipher,
        tenant_id=tenant_id or caller.tenant_id,
    )


def rendered(
    status: int,
    body: BaseModel | None,
    events: Sequence[EventEnvelope],
    *,
    etag: int | None = None,
    location: str | None = None,
) -> StoredResponse:
    """A command's response: sent now, and stored when an Idempotency-Key guards it."""
    headers = {CONSISTENCY_HEADER: consistency_token(events)}
    if etag is not None:
        headers["ETag"] = f'"{etag}"'
    if location is not None:
        headers["Location"] = location
    if body is None:
        return StoredResponse(status, headers, b"")
    headers["Content-Type"] = "application/json"
    return StoredResponse(status, headers, body.model_dump_json().encode())


def as_response(stored: StoredResponse, *, replayed: bool = False) -> Response:
    headers = {**stored.headers, REPLAYED_HEADER: "true"} if replayed else stored.headers
    return Response(stored.body or None, stored.status, headers)


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
