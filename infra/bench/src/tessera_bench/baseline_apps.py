"""The HTTP baselines' apps, served by uvicorn exactly as the services are.

`bare` is the floor of any Python HTTP service (uvicorn, httptools, uvloop, no framework);
`hello` is a FastAPI route returning a tenant-profile-sized JSON body, the floor of a
service built the usual way.
"""

from __future__ import annotations

import json
from typing import Any

from fastapi import FastAPI
from starlette.types import Receive, Scope, Send

# The shape and size of a tenant profile as the query service returns it.
PROFILE: dict[str, Any] = {
    "created_at": "2026-01-01T00:00:00.000000Z",
    "currency": "EUR",
    "name": "Bench tenant 1234",
    "plan": "enterprise",
    "region": "eu-west",
    "status": "active",
    "tenant_id": "8d1f6a52-1b8e-4a09-9b59-0f3c0c8a2f4e",
    "updated_at": "2026-01-01T00:00:00.000000Z",
    "user_count": 12,
    "version": 3,
}
_BODY = json.dumps(PROFILE, separators=(",", ":")).encode()
_HEADERS = [(b"content-type", b"application/json"), (b"content-length", str(len(_BODY)).encode())]


async def bare(scope: Scope, receive: Receive, send: Send) -> None:
    """A bare ASGI endpoint: the same body, nothing else."""
    if scope["type"] != "http":  # lifespan: nothing to set up
        message = await receive()
        if message["type"] == "lifespan.startup":
            await send({"type": "lifespan.startup.complete"})
            await receive()
            await send({"type": "lifespan.shutdown.complete"})
        return
    await send({"type": "http.response.start", "status": 200, "headers": _HEADERS})
    await send({"type": "http.response.body", "body": _BODY})


def hello() -> FastAPI:
    """A FastAPI endpoint returning the profile-sized JSON."""
    app = FastAPI()

    @app.get("/{path:path}")
    async def profile(path: str) -> dict[str, Any]:
        return PROFILE

    return app
