"""The broker frozen (SIGSTOP) for longer than the projector's session timeout, a few times
in a row right after a restart: every acknowledged write still reaches the read models,
and the group's committed offsets reach the end (a worker whose commits stall restarts
itself: see projector.watchdog)."""

from __future__ import annotations

import asyncio
import os
import signal
import uuid
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import pytest
from support import Api, bearer, usage_record

from projector.settings import WorkerSettings
from tessera_common.kafka.lag import GroupLag
from tessera_common.settings import KafkaSettings
from tessera_stack.stack import LocalStack

Converge = Callable[..., Awaitable[Any]]
TENANTS = 6
REGIONS = ("us-east", "eu-west", "apac")
PAUSES = 3
PAUSE_SECONDS = 15.0  # past the projector's 10 s session timeout: the group drops the member
METER = "storage_gb_hours"  # not `api_calls`, which the gateway's metering adds to


@contextmanager
def frozen(stack: LocalStack) -> Iterator[None]:
    """The broker stopped in its tracks (no socket closes), then let go."""
    pid = stack.kafka.process.pid()
    assert pid is not None, "the broker is not running"
    os.kill(pid, signal.SIGSTOP)
    try:
        yield
    finally:
        os.kill(pid, signal.SIGCONT)


class Workload:
    """Usage batches and new users for a few tenants, every acknowledgement counted."""

    def __init__(self, api: Api, tenants: list[dict[str, Any]]) -> None:
        self.api = api
        self.tenants = tenants
        self.usage = {t["tenant_id"]: 0 for t in tenants}
        self.users = {t["tenant_id"]: 0 for t in tenants}
        self.stop = asyncio.Event()

    async def run(self) -> None:
        """One client per tenant, all at once."""
        await asyncio.gather(*(self._client(tenant) for tenant in self.tenants))

    async def _client(self, tenant: dict[str, Any]) -> None:
        key = bearer(tenant["api_key"])
        n = 0
        while not self.stop.is_set():
            records = [usage_record(1 + n % 5, meter=METER)]
            used = await self.api.gateway.post("/v1/usage", json={"records": records}, headers=key)
            assert used.status_code == 202, used.text
            self.usage[tenant["tenant_id"]] += records[0]["quantity"]
            if n % 2 == 0:
                user = {"email": f"{uuid.uuid4().hex[:12]}@paused.io", "name": "P"}
                added = await self.api.gateway.post(
                    f"/v1/tenants/{tenant['tenant_id']}/users", json=user, headers=key
                )
                assert added.status_code == 201, added.text
                self.users[tenant["tenant_id"]] += 1
            n += 1


async def projected(api: Api, workload: Workload, tenant_id: str) -> bool | None:
    """True once the read models hold every acknowledged user and usage record."""
    profile = await api.gateway.get(f"/v1/tenants/{tenant_id}", headers=api.operator)
    usage = await api.gateway.get(
        f"/v1/tenants/{tenant_id}/usage?meter={METER}", headers=api.operator
    )
    if profile.status_code != 200 or usage.status_code != 200:
        return None
    if profile.json()["user_count"] != workload.users[tenant_id]:
        return None
    return True if usage.json()["totals"].get(METER, 0) == workload.usage[tenant_id] else None


@pytest.mark.timeout(900)
async def test_the_read_models_catch_up_after_the_broker_freezes_past_the_session_timeout(
    local_stack: LocalStack, api: Api, converge: Converge
) -> None:
    tenants = [
        await api.tenant(region=REGIONS[n % 3], name=f"Paused {n}", plan="pro")
        for n in range(TENANTS)
    ]
    workload = Workload(api, tenants)
    load = asyncio.create_task(workload.run())
    try:
        await asyncio.sleep(2)
        await asyncio.to_thread(local_stack.kafka.process.stop)
        await asyncio.to_thread(local_stack.kafka.start)
        for _ in range(PAUSES):
            await asyncio.sleep(3)
            with frozen(local_stack):
                await asyncio.sleep(PAUSE_SECONDS)
    finally:
        workload.stop.set()
        await load

    for tenant in tenants:
        await converge(
            lambda t=tenant["tenant_id"]: projected(api, workload, t), within=240, interval=0.5
        )

    lag = GroupLag(
        KafkaSettings(bootstrap_servers=local_stack.layout.kafka_bootstrap),
        WorkerSettings().group_id,
        ["accounts.events", "usage.events"],
    )

    async def caught_up() -> bool | None:
        return True if sum((await lag.measure()).values()) == 0 else None

    try:
        await converge(caught_up, within=240, interval=1)
    finally:
        await lag.close()
    projector = local_stack.layout.service_url("projector")
    async with httpx.AsyncClient() as client:
        assert (await client.get(f"{projector}/readyz")).status_code == 200
