"""The query service's caches: L1 in process, L2 Redis, each counted; changes invalidate L1."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest
from support import Api, bearer

from tessera_stack.endpoints import Endpoints
from tessera_stack.layout import StackLayout

Converge = Callable[..., Awaitable[Any]]


@pytest.fixture(scope="module")
def query_metrics(endpoints: Endpoints) -> list[str]:
    if endpoints.source == "environment":
        pytest.skip("the query service's own address is not known for servers named by env")
    return [f"{url}/metrics" for url in StackLayout().instance_urls("query")]


async def l1_hits(urls: list[str]) -> float:
    """L1 hits summed over every query instance (the gateway balances reads over them)."""
    prefix = 'tessera_cache_lookups_total{layer="l1",result="hit",service="query"}'
    async with httpx.AsyncClient() as client:
        texts = [(await client.get(url)).text for url in urls]
    return sum(
        float(line.split()[-1])
        for text in texts
        for line in text.splitlines()
        if line.startswith(prefix)
    )


async def test_a_repeated_read_hits_l1_and_a_change_invalidates_it(
    api: Api, query_metrics: list[str], converge: Converge
) -> None:
    tenant = await api.tenant(name="Cached", plan="pro")  # polls faster than free's 10/s
    path = f"/v1/tenants/{tenant['tenant_id']}"
    key = bearer(tenant["api_key"])

    async def hits_l1() -> bool | None:
        # The new tenant's own projections announce it a few times: once they are
        # done, a read fills L1 and the next read is served from it.
        first = await api.gateway.get(path, headers=key)
        if first.status_code != 200:
            return None
        before = await l1_hits(query_metrics)
        assert (await api.gateway.get(path, headers=key)).json()["name"] == "Cached"
        return True if await l1_hits(query_metrics) == before + 1 else None

    assert await converge(hits_l1, within=10)

    renamed = await api.gateway.patch(
        path, json={"name": "Renamed"}, headers={**key, "If-Match": '"1"'}
    )
    assert renamed.status_code == 200

    async def sees_the_rename() -> str | None:
        name = (await api.gateway.get(path, headers=key)).json()["name"]
        return name if name == "Renamed" else None

    # Inside the L1 TTL (5 s): only the projector's invalidation explains seeing it sooner.
    assert await converge(sees_the_rename, within=2) == "Renamed"
