"""Read caches, each counted, each dropped by the projector's announcements: the gateway's
kept answers (a profile read again without the hop to the query service), and the query
service's L1 (in process) over L2 (Redis)."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from support import Api, bearer

from tessera_common.auth.internal_token import HEADER, OPERATOR, sign_internal_token
from tessera_common.consistency_tokens import HEADER as CONSISTENCY_TOKEN
from tessera_common.settings import AuthSettings
from tessera_stack.endpoints import Endpoints
from tessera_stack.layout import StackLayout

Converge = Callable[..., Awaitable[Any]]


def metrics_of(endpoints: Endpoints, service: str) -> list[str]:
    if endpoints.source == "environment":
        pytest.skip("the services' own addresses are not known for servers named by env")
    return [f"{url}/metrics" for url in StackLayout().instance_urls(service)]


async def hits(urls: list[str], service: str, layer: str) -> float:
    """A layer's hits summed over every instance of the service."""
    prefix = f'tessera_cache_lookups_total{{layer="{layer}",result="hit",service="{service}"}}'
    async with httpx.AsyncClient() as client:
        texts = [(await client.get(url)).text for url in urls]
    return sum(
        float(line.split()[-1])
        for text in texts
        for line in text.splitlines()
        if line.startswith(prefix)
    )


async def test_the_gateway_answers_a_profile_again_until_it_changes(
    api: Api, endpoints: Endpoints, converge: Converge
) -> None:
    gateways = metrics_of(endpoints, "gateway")
    tenant = await api.tenant(name="Kept", plan="pro")  # polls faster than free's 10/s
    path = f"/v1/tenants/{tenant['tenant_id']}"
    key = bearer(tenant["api_key"])

    async def kept() -> httpx.Response | None:
        # The new tenant's own projections announce it a few times: once they are done,
        # a read is kept and the next one is answered from the gateway's memory.
        first = await api.gateway.get(path, headers=key)
        if first.status_code != 200:
            return None
        before = await hits(gateways, "gateway", "responses")
        again = await api.gateway.get(path, headers=key)
        return again if await hits(gateways, "gateway", "responses") == before + 1 else None

    again = await converge(kept, within=10)
    assert again.json()["name"] == "Kept"
    etag = again.headers["etag"]
    assert again.headers["cache-control"] == "private, no-cache"
    assert "ratelimit" in again.headers  # limited (and metered) like any read

    not_modified = await api.gateway.get(path, headers={**key, "If-None-Match": etag})
    assert not_modified.status_code == 304
    assert not_modified.headers["etag"] == etag

    # Isolation and authentication come first: a kept answer is no one else's.
    other = await api.tenant(name="Other")
    assert (await api.gateway.get(path, headers=bearer(other["api_key"]))).status_code == 404
    assert (await api.gateway.get(path)).status_code == 401

    renamed = await api.gateway.patch(
        path, json={"name": "Renamed"}, headers={**key, "If-Match": '"1"'}
    )
    assert renamed.status_code == 200
    # With the command's token the read goes to the query service, which waits for it.
    token = {CONSISTENCY_TOKEN: renamed.headers[CONSISTENCY_TOKEN]}
    assert (await api.gateway.get(path, headers={**key, **token})).json()["name"] == "Renamed"

    async def sees_the_rename() -> str | None:
        name = (await api.gateway.get(path, headers=key)).json()["name"]
        return name if name == "Renamed" else None

    # Well inside the kept answer's TTL (30 s): only the announcement explains it.
    assert await converge(sees_the_rename, within=2) == "Renamed"


async def test_the_gateway_keeps_usage_answers_per_query_until_the_rollups_change(
    api: Api, endpoints: Endpoints, converge: Converge
) -> None:
    gateways = metrics_of(endpoints, "gateway")
    tenant = await api.tenant(name="Kept usage", plan="pro")
    key = bearer(tenant["api_key"])
    path = f"/v1/tenants/{tenant['tenant_id']}/usage"
    hourly = {"granularity": "hour", "meter": "storage_gb_hours"}

    async def kept() -> httpx.Response | None:
        if (await api.gateway.get(path, params=hourly, headers=key)).status_code != 200:
            return None
        before = await hits(gateways, "gateway", "responses")
        again = await api.gateway.get(path, params=hourly, headers=key)
        return again if await hits(gateways, "gateway", "responses") == before + 1 else None

    again = await converge(kept, within=10)
    assert again.json()["totals"] == {}
    # Another query string is another answer: the first read of it goes to the query service.
    before = await hits(gateways, "gateway", "responses")
    daily = await api.gateway.get(path, params={**hourly, "granularity": "day"}, headers=key)
    assert (daily.status_code, daily.json()["granularity"]) == (200, "day")
    assert await hits(gateways, "gateway", "responses") == before

    an_hour_ago = (datetime.now(UTC) - timedelta(hours=1)).isoformat()
    used = {"event_id": str(uuid.uuid4()), "meter": "storage_gb_hours", "quantity": 7,
            "occurred_at": an_hour_ago}  # fmt: skip
    posted = await api.gateway.post("/v1/usage", json={"records": [used]}, headers=key)
    assert posted.status_code == 202, posted.text

    async def sees_the_usage() -> dict[str, int] | None:
        totals = (await api.gateway.get(path, params=hourly, headers=key)).json()["totals"]
        return totals if totals else None

    # Well inside the kept answer's TTL (30 s): only the projector's announcement explains it.
    assert await converge(sees_the_usage, within=5) == {"storage_gb_hours": 7}


async def test_a_repeated_read_hits_l1_and_a_change_invalidates_it(
    api: Api, endpoints: Endpoints, converge: Converge
) -> None:
    """The query service's own L1, read straight (the gateway would answer from its own)."""
    queries = metrics_of(endpoints, "query")
    tenant = await api.tenant(name="Cached", plan="pro")
    path = f"/v1/tenants/{tenant['tenant_id']}"
    secret = AuthSettings().internal_token_secret.get_secret_value()
    internal = {HEADER: sign_internal_token(OPERATOR, secret, 60)}
    query = StackLayout().instance_urls("query")[0]

    async with httpx.AsyncClient(base_url=query, headers=internal) as direct:

        async def hits_l1() -> bool | None:
            if (await direct.get(path)).status_code != 200:
                return None
            before = await hits(queries, "query", "l1")
            assert (await direct.get(path)).json()["name"] == "Cached"
            return True if await hits(queries, "query", "l1") == before + 1 else None

        assert await converge(hits_l1, within=10)

        renamed = await api.gateway.patch(
            path, json={"name": "Renamed"}, headers={**bearer(tenant["api_key"]), "If-Match": '"1"'}
        )
        assert renamed.status_code == 200

        async def sees_the_rename() -> str | None:
            name = (await direct.get(path)).json()["name"]
            return name if name == "Renamed" else None

        # Inside the L1 TTL (5 s): only the projector's invalidation explains seeing it sooner.
        assert await converge(sees_the_rename, within=2) == "Renamed"
