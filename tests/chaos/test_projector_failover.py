"""Two projector workers share the partitions; killing one mid-stream loses and doubles nothing."""

from __future__ import annotations

import asyncio
import os
import signal
import uuid
from collections.abc import Awaitable, Callable, Iterator
from typing import Any

import httpx
import pytest
from projector_workers import Worker, extra_worker, group_members, metric
from support import Api, bearer, usage_record

from tessera_stack.stack import LocalStack

Converge = Callable[..., Awaitable[Any]]
TENANTS = 6
METER = "storage_gb_hours"  # not `api_calls`, which the gateway's metering adds to
SECOND_WORKER_PORT_SHIFT = 50  # beside the stack's own worker


@pytest.fixture
def second_worker(local_stack: LocalStack) -> Iterator[Worker]:
    """Another projector process in the same group, on its own web port."""
    with extra_worker(local_stack, SECOND_WORKER_PORT_SHIFT) as worker:
        yield worker


async def visible(api: Api, path: str, token: str, key: str) -> httpx.Response | None:
    """The read, once the write behind `token` is in the read model (a 503 until then)."""
    read = await api.read(path, token, key)
    return read if read.status_code == 200 else None


async def test_killing_one_of_two_workers_mid_stream_loses_nothing_and_doubles_nothing(
    local_stack: LocalStack,
    api: Api,
    second_worker: Worker,
    converge: Converge,
) -> None:
    process, url = second_worker.process, second_worker.url
    bootstrap = local_stack.layout.kafka_bootstrap

    async def two_members() -> bool | None:
        return True if await group_members(bootstrap) == 2 else None

    await converge(two_members, within=90)
    # Pro: the traffic below must stay inside the plan's rate limit.
    tenants = [await api.tenant(name=f"Failover {n}", plan="pro") for n in range(TENANTS)]
    sent = {t["tenant_id"]: 0 for t in tenants}
    users = {t["tenant_id"]: 0 for t in tenants}
    tokens: dict[str, str] = {}
    stop = asyncio.Event()

    async def traffic() -> None:
        n = 0
        while not stop.is_set():
            tenant = tenants[n % TENANTS]
            key = bearer(tenant["api_key"])
            quantity = 1 + n % 7
            records = [usage_record(quantity, meter=METER)]
            used = await api.gateway.post("/v1/usage", json={"records": records}, headers=key)
            assert used.status_code == 202, used.text
            sent[tenant["tenant_id"]] += quantity
            tokens[tenant["tenant_id"]] = used.headers["x-consistency-token"]
            if n % 3 == 0:
                user = {"email": f"{uuid.uuid4().hex[:12]}@failover.io", "name": "F"}
                added = await api.gateway.post(
                    f"/v1/tenants/{tenant['tenant_id']}/users", json=user, headers=key
                )
                assert added.status_code == 201, added.text
                users[tenant["tenant_id"]] += 1
            n += 1

    load = asyncio.create_task(traffic())

    async def second_worker_busy() -> bool | None:
        return True if await metric(url, "tessera_projector_events_applied_total") > 0 else None

    await converge(second_worker_busy, within=60)
    pid = process.pid()
    assert pid is not None
    os.kill(pid, signal.SIGKILL)  # mid-stream: no chance to commit or leave the group
    await asyncio.sleep(1.0)
    stop.set()
    await load

    # The survivor takes the dead worker's partitions after the session timeout and
    # replays from their last commit: every batch must count exactly once.
    for tenant in tenants:
        tenant_id = tenant["tenant_id"]
        path = f"/v1/tenants/{tenant_id}/usage"

        read = await converge(
            lambda p=path, t=tokens[tenant_id], k=tenant["api_key"]: visible(api, p, t, k),
            within=90,
        )
        assert read.json()["totals"][METER] == sent[tenant_id], tenant_id

        async def counted(tenant_id: str = tenant_id) -> Any:
            profile = await api.gateway.get(f"/v1/tenants/{tenant_id}", headers=api.operator)
            return profile if profile.json()["user_count"] == users[tenant_id] else None

        await converge(counted, within=30)
