"""Killing one instance (SIGKILL) of a gateway or an upstream gives clients no error:
the edge and the gateway retry elsewhere; metered calls survive a gateway crash."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from support import Api, bearer, metering_window

from tessera_stack.services import Instance, instances, service_process, start_instance
from tessera_stack.stack import LocalStack

Converge = Callable[..., Awaitable[Any]]


@contextmanager
def killed(stack: LocalStack, name: str) -> Iterator[Instance]:
    """SIGKILL the instance named `name`, then start it again (and wait until it is ready)."""
    instance = next(i for i in instances(stack.layout) if i.name == name)
    service_process(stack.layout, name).kill()
    try:
        yield instance
    finally:
        start_instance(stack.layout, stack.environment, instance)


@pytest.mark.parametrize("name", ["gateway-1", "query-1"])
async def test_reads_go_on_when_an_instance_dies(
    local_stack: LocalStack, api: Api, converge: Converge, name: str
) -> None:
    tenants = [await api.tenant(name=f"Reader {i}") for i in range(4)]
    # Readable before the kill: what is measured is the loss of an instance, not how soon
    # the projector (perhaps just back from an earlier fault) shows a new tenant.
    for t in tenants:
        path, token, key = f"/v1/tenants/{t['tenant_id']}", t["token"], t["api_key"]

        async def readable(path: str = path, token: str = token, key: str = key) -> bool | None:
            return True if (await api.read(path, token, key)).status_code == 200 else None

        await converge(readable, within=60)
    with killed(local_stack, name):
        statuses = [
            (await api.read(f"/v1/tenants/{t['tenant_id']}", t["token"], t["api_key"])).status_code
            for _ in range(6)
            for t in tenants
        ]
    assert set(statuses) == {200}


async def test_commands_go_on_when_an_accounts_instance_dies(
    local_stack: LocalStack, api: Api
) -> None:
    """Creates carry an Idempotency-Key, which makes a POST safe to resend elsewhere."""
    with killed(local_stack, "accounts-1"):
        created = [
            await api.gateway.post(
                "/v1/tenants", json={"name": f"Survivor {i}", "region": "us-east"},
                headers={**api.operator, "Idempotency-Key": str(uuid.uuid4())},
            )
            for i in range(8)
        ]  # fmt: skip
    assert [r.status_code for r in created] == [201] * 8


async def test_a_gateway_crash_loses_no_metered_call(
    local_stack: LocalStack, api: Api, converge: Converge
) -> None:
    tenant = await api.tenant(name="Crash metered")
    path = f"/v1/tenants/{tenant['tenant_id']}"
    calls = 12
    for _ in range(calls):
        await api.gateway.get(path, headers=bearer(tenant["api_key"]))
    with killed(local_stack, "gateway"), killed(local_stack, "gateway-1"):
        await asyncio.sleep(0)  # both gateways down: only Redis holds the counts

    async def metered() -> int | None:
        usage = await api.gateway.get(f"{path}/usage?meter=api_calls", headers=api.operator)
        found = usage.json()["totals"].get("api_calls", 0) if usage.status_code == 200 else 0
        return found if found >= calls else None

    assert await converge(metered, within=metering_window()) == calls
