"""Idempotency-Key on POST: the same key and body replay the first response, once in effect."""

from __future__ import annotations

import asyncio
import uuid

from support import PROBLEM_JSON, Accounts, Api, bearer


def keyed(headers: dict[str, str], key: str) -> dict[str, str]:
    return {**headers, "Idempotency-Key": key}


async def test_a_retried_create_replays_the_first_response_and_creates_one_tenant(
    api: Api, accounts_db: Accounts
) -> None:
    key = f"create-{uuid.uuid4()}"
    body = {"name": "Once", "region": "eu-west"}
    first = await api.gateway.post("/v1/tenants", json=body, headers=keyed(api.operator, key))
    again = await api.gateway.post(
        "/v1/tenants", json={"region": "eu-west", "name": "Once"}, headers=keyed(api.operator, key)
    )
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()  # the API key included: the retry must not lose it
    assert again.headers["idempotent-replayed"] == "true"
    assert "idempotent-replayed" not in first.headers
    assert again.headers["x-consistency-token"] == first.headers["x-consistency-token"]
    tenant_id = first.json()["tenant_id"]
    assert await accounts_db.holders("tenants", tenant_id) == [first.json()["shard"]]
    records = await accounts_db.rows("SELECT body FROM idempotency_keys WHERE key = $1", key)
    stored = [r["body"] for found in records.values() for r in found]
    assert len(stored) == 1
    assert first.json()["api_key"].encode() not in stored[0]  # encrypted at rest


async def test_the_same_key_with_another_body_is_a_422(api: Api) -> None:
    key = f"reuse-{uuid.uuid4()}"
    first = await api.gateway.post(
        "/v1/tenants", json={"name": "A", "region": "apac"}, headers=keyed(api.operator, key)
    )
    assert first.status_code == 201
    for other in ({"name": "B", "region": "apac"}, {"name": "A", "region": "us-east"}):
        reused = await api.gateway.post("/v1/tenants", json=other, headers=keyed(api.operator, key))
        assert reused.status_code == 422
        assert reused.headers["content-type"] == PROBLEM_JSON
        assert reused.json()["errors"][0]["field"] == "Idempotency-Key"


async def test_concurrent_twins_run_the_command_once(api: Api, accounts_db: Accounts) -> None:
    tenant = await api.tenant()
    key = f"twins-{uuid.uuid4()}"
    users = f"/v1/tenants/{tenant['tenant_id']}/users"
    body = {"email": "twin@x.io", "name": "Twin"}
    responses = await asyncio.gather(
        *(
            api.gateway.post(users, json=body, headers=keyed(bearer(tenant["api_key"]), key))
            for _ in range(6)
        )
    )
    assert {r.status_code for r in responses} == {201}
    assert len({r.json()["user_id"] for r in responses}) == 1
    assert sum(r.headers.get("idempotent-replayed") == "true" for r in responses) == 5
    rows = await accounts_db.rows(
        "SELECT id FROM users WHERE tenant_id = $1::uuid", tenant["tenant_id"]
    )
    assert sum(len(found) for found in rows.values()) == 1


async def test_keys_are_scoped_to_their_caller_and_checked(api: Api) -> None:
    one, two = await api.tenant(), await api.tenant()
    key = f"shared-{uuid.uuid4()}"
    for tenant in (one, two):
        issued = await api.gateway.post(
            f"/v1/tenants/{tenant['tenant_id']}/api-keys",
            headers=keyed(bearer(tenant["api_key"]), key),
        )
        assert issued.status_code == 201
        assert "idempotent-replayed" not in issued.headers
    too_long = await api.gateway.post(
        f"/v1/tenants/{one['tenant_id']}/api-keys", headers=keyed(api.operator, "k" * 300)
    )
    assert too_long.status_code == 400
    assert too_long.json()["errors"][0]["field"] == "Idempotency-Key"


async def test_a_failed_command_leaves_its_key_free_for_a_retry(api: Api) -> None:
    tenant = await api.tenant()
    users = f"/v1/tenants/{tenant['tenant_id']}/users"
    body = {"email": "t@x.io", "name": "T"}
    taken = await api.gateway.post(users, json=body, headers=api.operator)
    assert taken.status_code == 201
    key = f"retry-{uuid.uuid4()}"
    refused = await api.gateway.post(
        users, json={"email": "t@x.io", "name": "T"}, headers=keyed(api.operator, key)
    )
    assert refused.status_code == 409
    retried = await api.gateway.post(
        users, json={"email": "t@x.io", "name": "T"}, headers=keyed(api.operator, key)
    )
    assert retried.status_code == 409  # ran again, not replayed: failures are not recorded
    assert "idempotent-replayed" not in retried.headers
