"""Idempotency-Key over HTTP: the guard of a request, stored responses, replays and refusals."""

from __future__ import annotations

import re
import uuid
from collections.abc import Sequence
from datetime import timedelta

from cryptography.exceptions import InvalidTag
from fastapi import FastAPI, Request, Response
from pydantic import BaseModel

from tessera_common.auth.internal_token import Caller
from tessera_common.consistency_tokens import HEADER as CONSISTENCY_HEADER
from tessera_common.consistency_tokens import consistency_token
from tessera_common.events.envelope import EventEnvelope
from tessera_common.idempotency.cipher import ResponseCipher
from tessera_common.idempotency.guard import (
    IdempotencyGuard,
    IdempotencyKeyReusedError,
    IdempotentReplayError,
    StoredResponse,
    request_fingerprint,
)
from tessera_common.problems import Problem, problem_response

HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
_VALID_KEY = re.compile(r"^[\x21-\x7e]{1,255}$")


def validate_key(key: str) -> str:
    if not _VALID_KEY.match(key):
        raise Problem(
            400, "invalid-idempotency-key", "Invalid Idempotency-Key",
            "use 1 to 255 visible ASCII characters, e.g. a UUID",
            errors=[{"field": HEADER, "message": "1-255 visible ASCII characters"}],
        )  # fmt: skip
    return key


def key_reused_problem() -> Problem:
    """The same Idempotency-Key sent with another request."""
    return Problem(
        422, "idempotency-key-reused", "Idempotency-Key reused",
        "this key was used with another request; use a new key for a new request",
        errors=[{"field": HEADER, "message": "already used with a different request"}],
    )  # fmt: skip


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


def install_idempotency_handlers(app: FastAPI) -> None:
    """A keyed request sent again replays its first response; with another body it is a 422."""

    async def on_replay(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, IdempotentReplayError)
        return as_response(exc.response, replayed=True)

    async def on_reused(request: Request, exc: Exception) -> Response:
        return problem_response(key_reused_problem(), request.url.path)

    async def on_unreadable(request: Request, exc: Exception) -> Response:
        problem = Problem(
            409, "idempotency-record-unreadable", "Idempotency record unreadable",
            "the stored response cannot be decrypted (rotated secret); use a new key",
        )  # fmt: skip
        return problem_response(problem, request.url.path)

    app.add_exception_handler(IdempotentReplayError, on_replay)
    app.add_exception_handler(IdempotencyKeyReusedError, on_reused)
    app.add_exception_handler(InvalidTag, on_unreadable)
