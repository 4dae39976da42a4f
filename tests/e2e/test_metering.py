"""Write-behind metering: a tenant's API calls, counted by the gateways in Redis, reach
the usage service in batches and show in the usage rollups as `api_calls`."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from support import Api, bearer, metering_window

Converge = Callable[..., Awaitable[Any]]
CALLS = 7


async def test_every_call_of_a_tenant_key_is_metered_once(api: Api, converge: Converge) -> None:
    tenant = await api.tenant(name="Metered calls")
    path = f"/v1/tenants/{tenant['tenant_id']}"
    for _ in range(CALLS):
        await api.gateway.get(path, headers=bearer(tenant["api_key"]))

    async def metered() -> int | None:
        usage = await api.gateway.get(f"{path}/usage?meter=api_calls", headers=api.operator)
        calls = usage.json()["totals"].get("api_calls", 0)
        return calls if calls >= CALLS else None

    assert await converge(metered, within=metering_window()) == CALLS  # flushed, and never twice
