"""A worker that cannot fetch (a broker quota throttles it to nothing) says it is not ready,
restarts itself in place, and catches up once the broker lets it fetch again; the other
worker of the group stays ready throughout."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest
from projector_workers import Worker, extra_worker, group_members, metric
from support import Api

from tessera_stack.stack import LocalStack

Converge = Callable[..., Awaitable[Any]]
CLIENT_ID = "tessera-projector-throttled"  # the throttled worker's Kafka client id
STALLED = {
    "BROKER_CLIENT_ID": CLIENT_ID,
    "PROJECTOR_STALL_SECONDS": "10",
    "PROJECTOR_STALL_RESTART_SECONDS": "20",
}
TENANTS = 6  # their events spread over the partitions, so the throttled worker gets some
USERS = 3


async def readiness(url: str) -> httpx.Response:
    async with httpx.AsyncClient() as client:
        return await client.get(f"{url}/readyz")


async def users_projected(api: Api, tenant_id: str) -> bool | None:
    profile = await api.gateway.get(f"/v1/tenants/{tenant_id}", headers=api.operator)
    return True if profile.status_code == 200 and profile.json()["user_count"] == USERS else None


@pytest.mark.timeout(600)
async def test_a_worker_that_cannot_fetch_is_not_ready_restarts_itself_and_catches_up(
    local_stack: LocalStack, api: Api, converge: Converge
) -> None:
    kafka = local_stack.kafka
    stack_worker = local_stack.layout.service_url("projector")
    with extra_worker(local_stack, 60, STALLED) as worker:
        await converge(
            lambda: _two_members(local_stack.layout.kafka_bootstrap), within=120, interval=1
        )
        # Its tables recovered and its pages up: the stall to come is one of a running worker.
        await converge(lambda: _ready(worker), within=120, interval=1)
        await asyncio.to_thread(kafka.limit_fetches, CLIENT_ID, 1)
        try:
            tenants = [await _tenant_with_users(api, n) for n in range(TENANTS)]
            pid = worker.process.pid()
            stalled = await converge(lambda: _stalled(worker), within=180, interval=1)
            assert "no offset was committed" in stalled or "rebalance" in stalled
            assert (await readiness(stack_worker)).status_code == 200
            await converge(lambda: _restarted(worker), within=180, interval=1)
            assert worker.process.pid() == pid  # in place: every supervisor still knows it
        finally:
            await asyncio.to_thread(kafka.limit_fetches, CLIENT_ID, None)

        for tenant_id in tenants:
            await converge(lambda t=tenant_id: users_projected(api, t), within=240, interval=1)

        await converge(lambda: _ready(worker), within=120, interval=1)


async def _ready(worker: Worker) -> bool | None:
    try:
        return True if (await readiness(worker.url)).status_code == 200 else None
    except httpx.HTTPError:
        return None  # not serving yet: recovering, or restarting


async def _two_members(bootstrap: str) -> bool | None:
    return True if await group_members(bootstrap) == 2 else None


async def _tenant_with_users(api: Api, n: int) -> str:
    tenant = await api.tenant(region=("us-east", "eu-west", "apac")[n % 3], name=f"Stalled {n}")
    for _ in range(USERS):
        added = await api.gateway.post(
            f"/v1/tenants/{tenant['tenant_id']}/users",
            json={"email": f"{uuid.uuid4().hex[:10]}@stalled.io", "name": "S"},
            headers=api.operator,
        )
        assert added.status_code == 201, added.text
    return str(tenant["tenant_id"])


async def _stalled(worker: Worker) -> str | None:
    """What the worker's readiness says of its progress, once it says it is stalled."""
    try:
        response = await readiness(worker.url)
    except httpx.HTTPError:
        return None  # restarting
    progress = str(response.json().get("components", {}).get("progress", ""))
    return progress if response.status_code == 503 and progress.startswith("stalled") else None


async def _restarted(worker: Worker) -> bool | None:
    try:
        restarts = await metric(worker.url, "tessera_projector_stall_restarts")
    except httpx.HTTPError:
        return None  # the new image is not listening yet
    return True if restarts >= 1 else None
