"""The gateway's policies through the edge: tenant isolation on every route, rate limits
by plan, body and route hygiene, request ids reaching upstreams, the aggregated OpenAPI."""

from __future__ import annotations

import asyncio
import re
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest
from support import PROBLEM_JSON, Api, bearer

from gateway.routes import ROUTES, Route
from tessera_stack.endpoints import Endpoints
from tessera_stack.layout import StackLayout

Converge = Callable[..., Awaitable[Any]]
TENANT_ROUTES = [route for route in ROUTES if "{tenant_id}" in route.template]


def path_of(route: Route, tenant_id: str) -> str:
    return re.sub(r"\{(\w+)\}", lambda m: tenant_id if m[1] == "tenant_id" else str(uuid.uuid4()),
                  route.template)  # fmt: skip


async def burst(api: Api, path: str, headers: dict[str, str], n: int = 60) -> list[httpx.Response]:
    return list(await asyncio.gather(*(api.gateway.get(path, headers=headers) for _ in range(n))))


@pytest.mark.parametrize(
    "route", TENANT_ROUTES, ids=[f"{r.method} {r.template}" for r in TENANT_ROUTES]
)
async def test_another_tenants_key_never_reaches_a_tenants_resources(
    api: Api, route: Route, tenants: tuple[dict[str, Any], dict[str, Any]]
) -> None:
    owner, intruder = tenants
    response = await api.gateway.request(
        route.method, path_of(route, owner["tenant_id"]), json={},
        headers={**bearer(intruder["api_key"]), "If-Match": '"1"'},
    )  # fmt: skip
    assert response.status_code in (403, 404), response.text
    assert response.headers["content-type"] == PROBLEM_JSON


@pytest.fixture(scope="module")
async def tenants(api: Api) -> tuple[dict[str, Any], dict[str, Any]]:
    return await api.tenant(name="Owner"), await api.tenant(name="Intruder")


async def test_a_tenant_over_its_plan_gets_429s_until_its_plan_changes(
    api: Api, converge: Converge
) -> None:
    tenant = await api.tenant(name="Limited", plan="free")
    path, key = f"/v1/tenants/{tenant['tenant_id']}", bearer(tenant["api_key"])
    await api.read(path, tenant["token"])  # the profile (and its plan) is in the read model

    async def limited() -> httpx.Response | None:
        refused = [r for r in await burst(api, path, key) if r.status_code == 429]
        return refused[0] if refused else None

    refused = await converge(limited)
    assert refused.headers["content-type"] == PROBLEM_JSON
    assert refused.json()["type"].endswith("/rate-limited")
    assert int(refused.headers["retry-after"]) >= 1
    assert refused.headers["ratelimit-policy"] == '"free";q=20;w=2'
    assert refused.headers["ratelimit"].startswith('"free";r=0;')

    changed = await api.gateway.patch(
        path, json={"plan": "enterprise"}, headers={**api.operator, "If-Match": '"1"'}
    )
    assert changed.status_code == 200, changed.text

    async def unlimited() -> bool | None:
        responses = await burst(api, path, key)
        return True if all(r.status_code == 200 for r in responses) else None

    await converge(unlimited, within=30)  # the key cache's TTL, then the new plan's limit
    after = await api.gateway.get(path, headers=key)
    assert after.headers["ratelimit-policy"] == '"enterprise";q=2000;w=2'


async def test_the_operator_is_never_rate_limited(api: Api) -> None:
    responses = await burst(api, "/v1/tenants?limit=1", api.operator, n=80)
    assert {r.status_code for r in responses} == {200}
    assert "ratelimit" not in responses[0].headers


async def test_rejections_are_counted_by_plan_and_breakers_are_gauged(
    endpoints: Endpoints,
) -> None:
    if endpoints.source == "environment":
        pytest.skip("the gateways' own addresses are not known")
    async with httpx.AsyncClient() as client:
        texts = [(await client.get(f"{url}/metrics")).text
                 for url in StackLayout().instance_urls("gateway")]  # fmt: skip
    assert any('tessera_gateway_rate_limited_total{plan="free"}' in text for text in texts)
    assert all('tessera_gateway_circuit_state{upstream="query"}' in text for text in texts)


async def test_oversized_malformed_and_unknown_requests_are_problems(api: Api) -> None:
    big = await api.gateway.post(
        "/v1/tenants", content=b"x" * (1024 * 1024 + 1),
        headers={**api.operator, "content-type": "application/json"},
    )  # fmt: skip
    malformed = await api.gateway.post(
        "/v1/tenants",
        content=b"{nope",
        headers={**api.operator, "content-type": "application/json"},
    )
    unknown = await api.gateway.get("/v1/nowhere/at/all", headers=api.operator)
    wrong_method = await api.gateway.delete("/v1/plans")
    assert [r.status_code for r in (big, malformed, unknown, wrong_method)] == [413, 400, 404, 405]
    for response in (big, malformed, unknown, wrong_method):
        assert response.headers["content-type"] == PROBLEM_JSON


async def test_the_request_id_reaches_the_upstream(api: Api) -> None:
    request_id = f"edge-test-{uuid.uuid4().hex}"
    # A query string of its own: a cache miss at the edge, so the request reaches the upstream.
    response = await api.gateway.get(
        f"/v1/plans?probe={request_id}", headers={"X-Request-ID": request_id}
    )
    assert response.headers["x-cache-status"] == "MISS"
    # The upstream answers with the request id it received (without one it would make its
    # own), and the gateway passes its answer on.
    assert response.headers.get_list("x-request-id") == [request_id]


async def test_the_aggregated_openapi_lists_every_public_route(api: Api) -> None:
    spec = (await api.gateway.get("/openapi.json")).json()
    operations = {(m.upper(), p) for p, ops in spec["paths"].items() for m in ops}
    assert operations == {(route.method, route.template) for route in ROUTES}
    assert not any(path.startswith("/internal") for path in spec["paths"])
    docs = await api.gateway.get("/docs")
    assert docs.status_code == 200
    assert "/openapi.json" in docs.text
