"""/healthz (alive), /readyz (dependencies reachable) and /metrics, for every service."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from tessera_common.observability.metrics import metrics_endpoint
from tessera_common.problems import PROBLEM_JSON

ReadinessCheck = Callable[[], Awaitable[object]]
CHECK_TIMEOUT_SECONDS = 2.0


async def _run(check: ReadinessCheck) -> str:
    try:
        await asyncio.wait_for(check(), CHECK_TIMEOUT_SECONDS)
    except Exception as exc:
        return f"down: {type(exc).__name__}: {exc}"[:300]
    return "up"


def health_router(checks: Mapping[str, ReadinessCheck]) -> APIRouter:
    router = APIRouter(include_in_schema=False)

    @router.get("/healthz")
    async def healthz() -> dict[str, str]:
        """The process is alive."""
        return {"status": "ok"}

    @router.get("/readyz")
    async def readyz() -> JSONResponse:
        """Every dependency answers."""
        results = await asyncio.gather(*(_run(check) for check in checks.values()))
        components = dict(zip(checks, results, strict=True))
        ready = all(state == "up" for state in results)
        body = {"status": "ready" if ready else "not-ready", "components": components}
        if ready:
            return JSONResponse(body)
        body |= {"type": "https://tessera.dev/problems/not-ready", "title": "Not ready"}
        return JSONResponse(body, status_code=503, media_type=PROBLEM_JSON)

    router.add_api_route("/metrics", metrics_endpoint, methods=["GET"])
    return router
