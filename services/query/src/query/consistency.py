"""Read-your-writes: wait, for a bounded time, until the read DB holds the token's versions."""

from __future__ import annotations

import asyncio
import time
import uuid
from typing import Annotated

from fastapi import Depends, Header, Request
from prometheus_client import Counter, Histogram

from query.readers import ReadModels
from tessera_common.consistency_tokens import parse_consistency_token
from tessera_common.problems import Problem

POLL_SECONDS = 0.01
CONSISTENCY_WAITS = Histogram(
    "tessera_query_consistency_wait_seconds",
    "Time a read with a consistency token waited for the read models.",
    buckets=(0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 5),
)
CONSISTENCY_TIMEOUTS = Counter(
    "tessera_query_consistency_timeouts_total",
    "Reads answered 503 because the read models had not caught up in time.",
)


async def wait_until_applied(
    read_models: ReadModels, versions: dict[uuid.UUID, int], max_wait: float
) -> None:
    started = time.monotonic()
    while not await read_models.applied(versions):
        if time.monotonic() - started >= max_wait:
            CONSISTENCY_TIMEOUTS.inc()
            raise Problem(
                503,
                "not-yet-consistent",
                "Read model not caught up",
                f"the write behind this token is not visible yet after {max_wait:.1f}s",
                headers={"Retry-After": "1"},
            )
        await asyncio.sleep(POLL_SECONDS)
    CONSISTENCY_WAITS.observe(time.monotonic() - started)


async def consistent_read(
    request: Request,
    token: Annotated[str | None, Header(alias="X-Consistency-Token", max_length=4096)] = None,
) -> bool:
    """True when the caller sent a token (the read must then bypass caches)."""
    if token is None:
        return False
    try:
        versions = parse_consistency_token(token)
    except ValueError as exc:
        raise Problem(
            400,
            "invalid-consistency-token",
            "Invalid consistency token",
            "send back the X-Consistency-Token a command returned, unchanged",
            errors=[{"field": "X-Consistency-Token", "message": str(exc)}],
        ) from exc
    await wait_until_applied(
        request.app.state.read_models, versions, request.app.state.consistency_max_wait
    )
    return True


ConsistentReadDep = Annotated[bool, Depends(consistent_read)]
