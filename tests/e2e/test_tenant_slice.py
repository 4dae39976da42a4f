"""Through the gateway: create a tenant and a user, find them on the right shard, read them back."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest
from support import PROBLEM_JSON, Accounts, Api, bearer, current_topology

from tessera_common.vocabulary import Region
from tessera_stack.endpoints import Endpoints

Converge = Callable[..., Awaitable[Any]]


async def pro_tenant(
    gateway: httpx.AsyncClient, operator: dict[str, str], region: Region, name: str = "Acme"
) -> dict[str, Any]:
    """A pro tenant paying in EUR, named after its region."""
    api = Api(gateway, operator)
    return await api.tenant(region=region, name=f"{name} {region}", plan="pro", currency="EUR")


@pytest.mark.parametrize("region", list(Region))
async def test_a_tenant_lives_on_its_regions_shard_and_reads_back_with_its_user(
    region: Region,
    accounts_db: Accounts,
    api: Api,
    converge: Converge,
    endpoints: Endpoints,
) -> None:
    gateway, operator = api.gateway, api.operator
    tenant = await pro_tenant(gateway, operator, region)
    tenant_id, key = tenant["tenant_id"], tenant["api_key"]
    assert tenant["shard"] in (await current_topology(endpoints)).regions.group(region)
    assert await accounts_db.holders("tenants", tenant_id) == [tenant["shard"]]

    added = await gateway.post(
        f"/v1/tenants/{tenant_id}/users",
        json={"email": "Grace@Example.com", "name": "Grace Hopper", "role": "admin"},
        headers=bearer(key),
    )
    assert added.status_code == 201, added.text
    user = added.json()
    assert user["email"] == "grace@example.com"
    assert await accounts_db.holders("users", user["user_id"]) == [tenant["shard"]]

    async def profile_with_user() -> dict[str, Any] | None:
        response = await gateway.get(f"/v1/tenants/{tenant_id}", headers=bearer(key))
        if response.status_code != 200 or response.json()["user_count"] != 1:
            return None
        return dict(response.json())

    profile = await converge(profile_with_user)
    assert {
        k: profile[k] for k in ("tenant_id", "name", "region", "plan", "currency", "status")
    } == {
        "tenant_id": tenant_id,
        "name": f"Acme {region}",
        "region": region,
        "plan": "pro",
        "currency": "EUR",
        "status": "active",
    }

    listed = await gateway.get(f"/v1/tenants/{tenant_id}/users", headers=bearer(key))
    assert listed.status_code == 200
    assert [u["user_id"] for u in listed.json()["items"]] == [user["user_id"]]
    one = await gateway.get(f"/v1/tenants/{tenant_id}/users/{user['user_id']}", headers=operator)
    assert one.status_code == 200
    assert one.json()["name"] == "Grace Hopper"


async def test_a_tenant_key_reads_only_its_own_tenant(
    accounts_db: Accounts,
    gateway: httpx.AsyncClient,
    operator: dict[str, str],
    converge: Converge,
) -> None:
    mine = await pro_tenant(gateway, operator, Region.US_EAST, "Mine")
    theirs = await pro_tenant(gateway, operator, Region.US_EAST, "Theirs")

    async def readable() -> httpx.Response | None:
        response = await gateway.get(
            f"/v1/tenants/{mine['tenant_id']}", headers=bearer(mine["api_key"])
        )
        return response if response.status_code == 200 else None

    assert (await converge(readable)).json()["name"] == "Mine us-east"
    for path in (
        f"/v1/tenants/{theirs['tenant_id']}",
        f"/v1/tenants/{theirs['tenant_id']}/users",
    ):
        denied = await gateway.get(path, headers=bearer(mine["api_key"]))
        assert denied.status_code == 404
        assert denied.headers["content-type"] == PROBLEM_JSON
    poach = await gateway.post(
        f"/v1/tenants/{theirs['tenant_id']}/users",
        json={"email": "spy@mine.io", "name": "Spy"},
        headers=bearer(mine["api_key"]),
    )
    assert poach.status_code == 404
    spies = await accounts_db.rows("SELECT id FROM users WHERE email = $1", "spy@mine.io")
    assert not any(spies.values())


@pytest.mark.parametrize(
    ("headers", "status"),
    [({}, 401), ({"Authorization": "Bearer nope"}, 401), ({"Authorization": "Basic x"}, 401)],
)
async def test_commands_need_a_valid_key(
    gateway: httpx.AsyncClient, headers: dict[str, str], status: int
) -> None:
    response = await gateway.post(
        "/v1/tenants", json={"name": "x", "region": "apac"}, headers=headers
    )
    assert response.status_code == status
    assert response.headers["content-type"] == PROBLEM_JSON


async def test_a_tenant_key_cannot_create_tenants(
    gateway: httpx.AsyncClient, operator: dict[str, str]
) -> None:
    tenant = await pro_tenant(gateway, operator, Region.APAC)
    response = await gateway.post(
        "/v1/tenants", json={"name": "x", "region": "apac"}, headers=bearer(tenant["api_key"])
    )
    assert response.status_code == 403


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": "Nowhere", "region": "mars"}, "region"),
        ({"name": "", "region": "apac"}, "name"),
        ({"name": "x" * 201, "region": "apac"}, "name"),
        ({"name": "Coins", "region": "apac", "currency": "BTC"}, "currency"),
        ({"name": "Tiers", "region": "apac", "plan": "platinum"}, "plan"),
        ({"region": "apac"}, "name"),
        ({"name": "Extra", "region": "apac", "shard": "shard-0"}, "shard"),
    ],
)
async def test_bad_tenant_input_is_a_problem_naming_the_field(
    gateway: httpx.AsyncClient, operator: dict[str, str], body: dict[str, Any], field: str
) -> None:
    response = await gateway.post("/v1/tenants", json=body, headers=operator)
    assert response.status_code == 422
    assert response.headers["content-type"] == PROBLEM_JSON
    assert field in [error["field"] for error in response.json()["errors"]]


async def test_bad_user_input_and_duplicates_are_problems_without_partial_writes(
    gateway: httpx.AsyncClient, operator: dict[str, str], converge: Converge
) -> None:
    tenant = await pro_tenant(gateway, operator, Region.EU_WEST)
    users = f"/v1/tenants/{tenant['tenant_id']}/users"
    bad = await gateway.post(users, json={"email": "not-an-email", "name": "X"}, headers=operator)
    assert bad.status_code == 422
    assert [e["field"] for e in bad.json()["errors"]] == ["email"]
    first = await gateway.post(users, json={"email": "a@b.io", "name": "A"}, headers=operator)
    assert first.status_code == 201
    again = await gateway.post(users, json={"email": "A@B.io", "name": "B"}, headers=operator)
    assert again.status_code == 409
    assert again.json()["type"].endswith("/duplicate-email")

    async def listed_once() -> list[dict[str, Any]] | None:
        response = await gateway.get(users, headers=operator)
        if response.status_code != 200:  # the tenant itself may not be projected yet
            return None
        items: list[dict[str, Any]] = response.json()["items"]
        return items if items else None

    assert [u["email"] for u in await converge(listed_once)] == ["a@b.io"]


async def test_malformed_json_is_a_400_and_unknown_ids_are_404s(
    gateway: httpx.AsyncClient, operator: dict[str, str]
) -> None:
    malformed = await gateway.post(
        "/v1/tenants", content=b"{nope", headers={**operator, "content-type": "application/json"}
    )
    assert malformed.status_code == 400
    assert malformed.headers["content-type"] == PROBLEM_JSON
    missing = await gateway.get(f"/v1/tenants/{uuid.uuid4()}", headers=operator)
    assert missing.status_code == 404
    nowhere = await gateway.get("/v1/nowhere", headers=operator)
    assert nowhere.status_code == 404
    assert nowhere.headers["content-type"] == PROBLEM_JSON
    orphan = await gateway.post(
        f"/v1/tenants/{uuid.uuid4()}/users",
        json={"email": "a@b.io", "name": "A"},
        headers=operator,
    )
    assert orphan.status_code == 404


async def test_upstreams_refuse_requests_that_bypass_the_gateway(endpoints: Endpoints) -> None:
    from tessera_stack.layout import StackLayout  # noqa: PLC0415

    if endpoints.source == "environment":
        pytest.skip("upstream addresses are not known for servers named by the environment")
    layout = StackLayout()
    async with httpx.AsyncClient() as client:
        direct = await client.post(
            f"{layout.service_url('accounts')}/v1/tenants",
            json={"name": "Sneaky", "region": "apac"},
            headers={"Authorization": f"Bearer {endpoints.operator_key}"},
        )
        forged = await client.get(
            f"{layout.service_url('query')}/v1/tenants/{uuid.uuid4()}",
            headers={"X-Internal-Token": "forged"},
        )
    assert direct.status_code == 401
    assert forged.status_code == 401
