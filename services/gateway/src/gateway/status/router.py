"""`/status` (a page refreshing itself) and `/status.json` (what it shows)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from importlib.resources import files
from typing import Any

from fastapi import APIRouter
from fastapi.responses import HTMLResponse

from gateway.status.board import StatusBoard
from gateway.status.settings import StatusSettings
from tessera_common.settings import RedisSettings


def status_router(
    settings: StatusSettings, upstreams: Mapping[str, Sequence[str]], redis: RedisSettings
) -> APIRouter:
    board = StatusBoard(settings, upstreams, redis)
    page = files("gateway.status").joinpath("page.html").read_text()
    page = page.replace("{{refresh_ms}}", str(int(settings.refresh_seconds * 1000)))
    router = APIRouter(include_in_schema=False)

    @router.get("/status", response_class=HTMLResponse)
    async def status_page() -> HTMLResponse:
        """The live status page."""
        return HTMLResponse(page, headers={"Cache-Control": "no-cache"})

    @router.get("/status.json")
    async def status_json() -> dict[str, Any]:
        """Components, shard map, lags and KPIs, as the page polls them."""
        return await board.snapshot()

    return router
