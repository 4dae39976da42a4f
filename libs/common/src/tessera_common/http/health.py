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


def health_router(
    checks: Mapping[str, ReadinessCheck], degradable: Mapping[str, ReadinessCheck] | None = None
) -> APIRouter:
    """`checks` must all pass to be ready; a failed `degradable` one only degrades.

    A service whose shard is down still serves every other shard's tenants, so
    taking it out of its load balancer would turn one shard's outage into everyone's.
    """
    degradable = degradable or {}
    router = APIRouter(include_in_schema=False)

    @router.get("/healthz")
    async def healthz() -> dict[str, str]:
        """The process is alive."""
        return {"status": "ok"}

    @router.get("/readyz")
    async def readyz() -> JSONResponse:
        """Every dependency answers."""
        every = {**checks, **degradable}
        results = await asyncio.gather(*(_run(check) for check in every.values()))
        components = dict(zip(every, results, strict=True))
        ready = all(components[name] == "up" for name in checks)
        whole = all(state == "up" for state in results)
        status = "ready" if whole else "degraded" if ready else "not-ready"
        body: dict[str, object] = {"status": status, "components": components}
        if ready:
            return JSONResponse(body)
        body |= {"type": "https://tessera.dev/problems/not-ready", "title": "Not ready"}
        return JSONResponse(body, status_code=503, media_type=PROBLEM_JSON)

    router.add_api_route("/metrics", metrics_endpoint, methods=["GET"])
    return router
