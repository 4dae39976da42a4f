"""When no gateway answers, the edge answers itself with a problem, not NGINX's HTML: a
command in flight on a gateway that dies, and any request while every gateway is dead."""

from __future__ import annotations

import asyncio
import os
import signal
import uuid
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from typing import Any

import httpx
from support import PROBLEM_JSON, Api

from tessera_stack.services import instances, service_process, start_instance
from tessera_stack.stack import LocalStack

EDGE_FAIL_TIMEOUT = 10.0  # tessera_stack.edge.SERVER_OPTIONS


@contextmanager
def gateways_frozen_then_killed(stack: LocalStack) -> Iterator[Any]:
    """Every gateway stopped in its tracks (connections are still accepted, nothing is
    answered); the caller kills them with the callable it is given; all start again after."""
    gateways = instances(stack.layout, ("gateway",))
    processes = [service_process(stack.layout, g.name) for g in gateways]
    for process in processes:
        pid = process.pid()
        assert pid is not None
        os.kill(pid, signal.SIGSTOP)

    def kill() -> None:
        for process in processes:
            process.kill()

    try:
        yield kill
    finally:
        for process in processes:  # whatever happened, none may stay frozen
            pid = process.pid()
            if pid is not None:
                os.kill(pid, signal.SIGCONT)
        for gateway in gateways:
            start_instance(stack.layout, stack.environment, gateway)


def assert_problem(response: httpx.Response, status: int, slug: str) -> None:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM_JSON
    assert response.headers["retry-after"] == "1"
    assert response.headers["x-request-id"]
    body = response.json()
    assert body["type"] == f"https://tessera.dev/problems/{slug}"
    assert body["status"] == status
    assert body["title"]
    assert "Idempotency-Key" in body["detail"] or status == 503


async def test_a_dead_gateway_is_answered_by_the_edge_with_a_problem(
    local_stack: LocalStack, api: Api, converge: Callable[..., Awaitable[Any]]
) -> None:
    tenant = await api.tenant(name="Edge problems")
    command = {"name": "In flight", "region": "us-east"}
    with gateways_frozen_then_killed(local_stack) as kill:
        in_flight = asyncio.create_task(
            api.gateway.post(
                "/v1/tenants", json=command,
                headers={**api.operator, "Idempotency-Key": str(uuid.uuid4()),
                         "X-Request-ID": "in-flight-1"},
            )
        )  # fmt: skip
        await asyncio.sleep(1.0)  # sent, and waiting on a gateway that will never answer
        await asyncio.to_thread(kill)
        lost = await in_flight
        nobody = await api.gateway.get(f"/v1/tenants/{tenant['tenant_id']}", headers=api.operator)

    assert_problem(lost, 502, "bad-gateway")
    assert lost.headers["x-request-id"] == "in-flight-1"
    assert_problem(nobody, 502, "bad-gateway")

    # A gateway's own problems still pass the edge untouched, once the edge takes the
    # gateways back: one that failed twice is skipped for fail_timeout (10 s), and every
    # gateway failed here, the in-flight command's resend included (see @resend).
    async def answered_by_a_gateway() -> httpx.Response | None:
        unknown = await api.gateway.get("/v1/no-such-thing", headers=api.operator)
        return unknown if unknown.status_code != 502 else None

    unknown = await converge(answered_by_a_gateway, within=EDGE_FAIL_TIMEOUT + 5, interval=0.5)
    assert unknown.status_code == 404
    assert unknown.json()["type"] == "https://tessera.dev/problems/not-found"
