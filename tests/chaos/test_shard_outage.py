"""A stopped shard server fails its own tenants' commands with a 503, and nobody else's."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from support import PROBLEM_JSON, Api

from tessera_stack.stack import LocalStack

Converge = Callable[..., Awaitable[Any]]


async def tenants_on(api: Api, shards: set[str]) -> dict[str, dict[str, Any]]:
    """One us-east tenant on each of `shards` (placement is a hash: create until covered)."""
    found: dict[str, dict[str, Any]] = {}
    for _ in range(64):
        tenant = await api.tenant(region="us-east", name="Sharded")
        found.setdefault(tenant["shard"], tenant)
        if shards <= found.keys():
            return found
    raise AssertionError(f"placement never reached {shards - found.keys()}")


async def test_a_stopped_shard_fails_only_its_own_tenants(
    local_stack: LocalStack, api: Api, converge: Converge
) -> None:
    tenants = await tenants_on(api, {"shard-0", "shard-1"})
    down, up = tenants["shard-1"], tenants["shard-0"]
    cluster = local_stack.cluster("shard-1")

    def add_user(tenant: dict[str, Any], email: str) -> Awaitable[Any]:
        return api.gateway.post(
            f"/v1/tenants/{tenant['tenant_id']}/users",
            json={"email": email, "name": "U"},
            headers=api.operator,
        )

    await asyncio.to_thread(cluster.stop)
    try:
        refused = await add_user(down, "refused@down.io")
        served = await add_user(up, "served@up.io")
        elsewhere = await api.tenant(region="eu-west", name="Elsewhere")
        read = await api.read(f"/v1/tenants/{down['tenant_id']}", down["token"])
    finally:
        await asyncio.to_thread(cluster.start)

    assert refused.status_code == 503
    assert refused.headers["content-type"] == PROBLEM_JSON
    assert refused.headers["retry-after"]
    assert refused.json()["type"].endswith("/shard-unavailable")
    assert served.status_code == 201
    assert elsewhere["shard"] == "shard-2"
    assert read.status_code == 200  # reads come from the read models, not the shard

    async def recovered() -> int | None:
        response = await add_user(down, "after@down.io")
        return response.status_code if response.status_code == 201 else None

    assert await converge(recovered, within=30) == 201
