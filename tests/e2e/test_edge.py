"""Through the edge (NGINX): the CDN cache keeps public responses only, revalidation with
ETag works for both kinds, a named region routes to its pool, and the hit ratio is measured."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest
from support import PROBLEM_JSON, Api

from tessera_stack.edge import EdgeServer, cache_statistics
from tessera_stack.endpoints import Endpoints
from tessera_stack.layout import StackLayout

Converge = Callable[..., Awaitable[Any]]


@pytest.fixture(scope="module")
def edge(endpoints: Endpoints) -> EdgeServer:
    if endpoints.source == "environment":
        pytest.skip("the edge's logs are known only for the local stack")
    return EdgeServer(StackLayout())


async def test_public_responses_are_cached_and_private_ones_never(api: Api) -> None:
    await api.gateway.get("/v1/plans")  # fills the cache if it was cold
    public = await api.gateway.get("/v1/plans")
    assert public.headers["x-cache-status"] == "HIT"
    assert "public" in public.headers["cache-control"]

    tenant = await api.tenant(name="Private")
    path = f"/v1/tenants/{tenant['tenant_id']}"
    first = await api.read(path, tenant["token"], tenant["api_key"])
    second = await api.read(path, tenant["token"], tenant["api_key"])
    assert first.status_code == second.status_code == 200
    assert first.headers["cache-control"].startswith("private")
    assert second.headers["x-cache-status"] != "HIT"


async def test_etag_revalidation_passes_the_edge_for_both_kinds(api: Api) -> None:
    plans = await api.gateway.get("/v1/plans")
    cached = await api.gateway.get("/v1/plans", headers={"If-None-Match": plans.headers["etag"]})
    assert cached.status_code == 304

    tenant = await api.tenant(name="Revalidated")
    path = f"/v1/tenants/{tenant['tenant_id']}"
    profile = await api.read(path, tenant["token"], tenant["api_key"])
    again = await api.gateway.get(
        path, headers={"Authorization": f"Bearer {tenant['api_key']}",
                       "If-None-Match": profile.headers["etag"]},
    )  # fmt: skip
    assert again.status_code == 304
    assert again.content == b""


async def test_commands_are_never_stored_by_a_shared_cache(api: Api) -> None:
    created = await api.gateway.post(
        "/v1/tenants", json={"name": "NoStore", "region": "apac"}, headers=api.operator
    )
    assert created.status_code == 201
    assert (
        "no-store" in created.headers["cache-control"]
        or "private" in created.headers["cache-control"]
    )


async def test_the_hit_ratio_is_measured_from_the_access_log(
    api: Api, edge: EdgeServer, converge: Converge
) -> None:
    before = cache_statistics(edge.access_log, "/v1/plans")
    statuses = [(await api.gateway.get("/v1/plans")).headers["x-cache-status"] for _ in range(5)]

    async def counted() -> int | None:
        hits = cache_statistics(edge.access_log, "/v1/plans").hits - before.hits
        return hits if hits >= statuses.count("HIT") else None

    assert await converge(counted) == statuses.count("HIT") >= 4  # one miss, if it had expired
    assert cache_statistics(edge.access_log).ratio > 0


@pytest.mark.parametrize(
    ("region", "pool"),
    [("eu-west", "gateways_eu_west"), ("apac", "gateways_apac"), (None, "gateways")],
)
async def test_a_named_region_routes_to_its_pool(
    api: Api, edge: EdgeServer, region: str | None, pool: str, converge: Converge
) -> None:
    request_id = uuid.uuid4().hex
    headers = {"X-Request-ID": request_id, **({"X-Tessera-Region": region} if region else {})}
    response = await api.gateway.get("/v1/tenants", headers={**api.operator, **headers})
    assert response.status_code == 200
    assert response.headers["x-request-id"] == request_id

    async def logged() -> str | None:  # NGINX logs a request once its response is out
        lines = edge.access_log.read_text().splitlines()
        return next((line for line in lines if request_id in line), None)

    assert f'"pool":"{pool}"' in await converge(logged)


INTERNAL_PATHS = (
    "/metrics", "/healthz", "/readyz", "/status", "/status.json", "/edge/status",
    "/internal/tenants",
)  # fmt: skip


@pytest.mark.parametrize("path", INTERNAL_PATHS)
async def test_the_public_port_serves_nothing_internal(api: Api, path: str) -> None:
    """Not even with the operator key: metrics and probes live on the internal port only."""
    for headers in ({}, api.operator):
        response = await api.gateway.get(path, headers=headers)
        assert response.status_code == 404, (path, response.text[:200])
        assert response.headers["content-type"] == PROBLEM_JSON
        assert "tessera_" not in response.text


async def test_the_internal_port_serves_the_edge_counters_and_the_gateways_internals(
    edge: EdgeServer,
) -> None:
    async with httpx.AsyncClient(base_url=edge.layout.edge_internal_url) as client:
        status = await client.get("/edge/status")
        metrics = await client.get("/metrics")
        board = await client.get("/status.json")
    assert status.status_code == 200
    assert "Active connections" in status.text
    assert metrics.status_code == 200
    assert 'service="gateway"' in metrics.text
    assert board.status_code == 200
    assert "components" in board.json()
