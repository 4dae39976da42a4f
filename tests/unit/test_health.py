"""/readyz: required dependencies decide readiness; a degradable one only degrades it."""

from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient

from tessera_common.http.health import ReadinessCheck as Check
from tessera_common.http.health import health_router


async def up() -> None:
    return None


async def down() -> None:
    raise ConnectionRefusedError("refused")


def readyz(required: dict[str, Check], degradable: dict[str, Check]) -> tuple[int, Any]:
    app = FastAPI()
    app.include_router(health_router(required, degradable))
    response = TestClient(app).get("/readyz")
    return response.status_code, response.json()


def test_everything_up_is_ready() -> None:
    assert readyz({"db": up}, {"shard:a": up}) == (
        200, {"status": "ready", "components": {"db": "up", "shard:a": "up"}},
    )  # fmt: skip


def test_a_degradable_dependency_down_degrades_but_stays_in_rotation() -> None:
    status, body = readyz({"db": up}, {"shard:a": up, "shard:b": down})
    assert (status, body["status"]) == (200, "degraded")
    assert str(body["components"]["shard:b"]).startswith("down: ConnectionRefusedError")


def test_a_required_dependency_down_is_not_ready() -> None:
    status, body = readyz({"db": down}, {"shard:a": up})
    assert (status, body["status"]) == (503, "not-ready")


def test_liveness_needs_no_dependency() -> None:
    app = FastAPI()
    app.include_router(health_router({"db": down}))
    assert TestClient(app).get("/healthz").json() == {"status": "ok"}
