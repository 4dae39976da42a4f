"""The local stack's Prometheus scrapes every process and evaluates the alert rules."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest

from tessera_stack.prometheus import PrometheusServer
from tessera_stack.services import instances
from tessera_stack.stack import LocalStack

Converge = Callable[..., Awaitable[Any]]


@pytest.fixture(scope="module")
def prometheus(local_stack: LocalStack) -> PrometheusServer:
    return PrometheusServer(local_stack.layout)


async def test_every_process_is_a_healthy_target(
    local_stack: LocalStack, prometheus: PrometheusServer, converge: Converge
) -> None:
    wanted = {f"127.0.0.1:{i.port}" for i in instances(local_stack.layout)}

    async def all_up() -> dict[str, str] | None:
        async with httpx.AsyncClient(base_url=prometheus.layout.prometheus_url) as client:
            body = (await client.get("/api/v1/targets")).json()
        health = {t["labels"]["instance"]: t["health"] for t in body["data"]["activeTargets"]}
        return health if all(health.get(target) == "up" for target in wanted) else None

    health = await converge(all_up, within=30)
    assert wanted <= set(health)


async def test_the_alert_rules_are_loaded_and_evaluate(
    prometheus: PrometheusServer, converge: Converge
) -> None:
    async def evaluated() -> list[dict[str, Any]] | None:
        async with httpx.AsyncClient(base_url=prometheus.layout.prometheus_url) as client:
            body = (await client.get("/api/v1/rules")).json()
        rules = [rule for group in body["data"]["groups"] for rule in group["rules"]]
        never = "0001-01-01T00:00:00Z"  # Go's zero time: not evaluated yet
        return rules if rules and all(r["lastEvaluation"] != never for r in rules) else None

    rules = await converge(evaluated, within=30)
    assert {rule["health"] for rule in rules} == {"ok"}, [r for r in rules if r["health"] != "ok"]
    assert {"TesseraHighP99Latency", "TesseraDeadLetters"} <= {rule["name"] for rule in rules}


async def test_the_ui_answers_on_loopback(prometheus: PrometheusServer) -> None:
    assert prometheus.layout.prometheus_url.startswith("http://127.0.0.1:")
    async with httpx.AsyncClient(base_url=prometheus.layout.prometheus_url) as client:
        page = await client.get("/graph", follow_redirects=True)
    assert page.status_code == 200
