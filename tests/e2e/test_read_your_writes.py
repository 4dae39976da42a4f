"""A read that carries a command's X-Consistency-Token sees that command's effects."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import httpx
from support import PROBLEM_JSON, bearer

from tessera_common.consistency_tokens import consistency_token
from tessera_common.events import accounts as contracts
from tessera_common.events.envelope import new_event


async def test_an_immediate_read_after_each_write_sees_it(
    gateway: httpx.AsyncClient, operator: dict[str, str]
) -> None:
    created = await gateway.post(
        "/v1/tenants", json={"name": "Eager", "region": "us-east"}, headers=operator
    )
    assert created.status_code == 201
    tenant = created.json()
    token = created.headers["x-consistency-token"]
    read = await gateway.get(
        f"/v1/tenants/{tenant['tenant_id']}",
        headers={**bearer(tenant["api_key"]), "X-Consistency-Token": token},
    )
    assert read.status_code == 200
    assert read.json()["name"] == "Eager"

    for expected, email in enumerate(("a@eager.io", "b@eager.io"), start=1):
        added = await gateway.post(
            f"/v1/tenants/{tenant['tenant_id']}/users",
            json={"email": email, "name": "A"},
            headers=bearer(tenant["api_key"]),
        )
        assert added.status_code == 201
        seen = {"X-Consistency-Token": added.headers["x-consistency-token"]}
        profile = await gateway.get(
            f"/v1/tenants/{tenant['tenant_id']}", headers={**operator, **seen}
        )
        assert profile.json()["user_count"] == expected
        user = await gateway.get(
            f"/v1/tenants/{tenant['tenant_id']}/users/{added.json()['user_id']}",
            headers={**operator, **seen},
        )
        assert user.status_code == 200
        assert user.json()["email"] == email


async def test_a_token_for_a_write_that_never_happened_is_a_503_after_a_bounded_wait(
    gateway: httpx.AsyncClient, operator: dict[str, str]
) -> None:
    created = await gateway.post(
        "/v1/tenants", json={"name": "Patient", "region": "apac"}, headers=operator
    )
    tenant_id = created.json()["tenant_id"]
    ghost = uuid.uuid4()
    never = new_event(
        contracts.ApiKeyIssued(
            key_id=ghost, tenant_id=uuid.UUID(tenant_id), key_digest="0" * 64, prefix="tsk_x",
            issued_at=datetime.now(UTC),
        ),
        tenant_id=uuid.UUID(tenant_id), aggregate_type="api_key", aggregate_id=ghost,
        aggregate_version=1, correlation_id=uuid.uuid4(),
    )  # fmt: skip
    response = await gateway.get(
        f"/v1/tenants/{tenant_id}",
        headers={**operator, "X-Consistency-Token": consistency_token([never])},
    )
    assert response.status_code == 503
    assert response.headers["content-type"] == PROBLEM_JSON
    assert response.headers["retry-after"] == "1"
    assert response.json()["type"].endswith("/not-yet-consistent")


async def test_a_malformed_token_is_a_400_naming_the_header(
    gateway: httpx.AsyncClient, operator: dict[str, str]
) -> None:
    response = await gateway.get(
        f"/v1/tenants/{uuid.uuid4()}", headers={**operator, "X-Consistency-Token": "ct1.???"}
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "X-Consistency-Token"
