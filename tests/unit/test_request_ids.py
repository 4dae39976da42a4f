"""Every log line of a failing request carries its request id, the edge's X-Request-ID."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
import pytest
import structlog
from fastapi import FastAPI

from tessera_common.http.service_app import create_service_app
from tessera_common.observability.logging import configure_logging


@asynccontextmanager
async def _nothing(app: FastAPI) -> AsyncIterator[None]:
    yield


def failing_app() -> FastAPI:
    configure_logging("unit", "INFO")
    app = create_service_app(
        "unit", lifespan=_nothing, readiness={}, internal_token_secret="s" * 32
    )

    @app.get("/boom")
    async def boom() -> None:
        structlog.get_logger().error("about_to_fail")
        raise RuntimeError("a bug")

    return app


async def test_an_unhandled_error_is_logged_and_answered_with_the_request_id(
    capsys: pytest.CaptureFixture[str],
) -> None:
    transport = httpx.ASGITransport(app=failing_app(), raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://unit") as client:
        response = await client.get("/boom", headers={"X-Request-ID": "edge-req-42"})
    assert response.status_code == 500
    assert response.headers["content-type"] == "application/problem+json"
    assert response.headers["x-request-id"] == "edge-req-42"
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines() if line]
    failing = [line for line in lines if line["message"] in ("about_to_fail", "unhandled_error")]
    assert [line["message"] for line in failing] == ["about_to_fail", "unhandled_error"]
    assert [line.get("request_id") for line in failing] == ["edge-req-42"] * 2
    assert "RuntimeError: a bug" in failing[1]["exception"]
