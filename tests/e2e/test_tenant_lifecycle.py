"""Tenant updates under optimistic concurrency, suspension, and erasure."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Awaitable, Callable
from typing import Any

from support import PROBLEM_JSON, Accounts, Api, bearer

Converge = Callable[..., Awaitable[Any]]


async def test_an_update_over_the_current_version_renames_and_changes_plan(api: Api) -> None:
    tenant = await api.tenant(name="Before")
    path = f"/v1/tenants/{tenant['tenant_id']}"
    response = await api.gateway.patch(
        path, json={"name": "After", "plan": "enterprise"},
        headers={**bearer(tenant["api_key"]), "If-Match": '"1"'},
    )  # fmt: skip
    assert response.status_code == 200, response.text
    assert response.headers["etag"] == '"3"'  # one version per change: rename, plan
    read = await api.read(path, response.headers["x-consistency-token"], tenant["api_key"])
    assert {k: read.json()[k] for k in ("name", "plan", "version")} == {
        "name": "After", "plan": "enterprise", "version": 3,
    }  # fmt: skip


async def test_update_preconditions(api: Api) -> None:
    tenant = await api.tenant()
    path = f"/v1/tenants/{tenant['tenant_id']}"
    missing = await api.gateway.patch(path, json={"name": "X"}, headers=api.operator)
    assert missing.status_code == 428
    assert missing.headers["content-type"] == PROBLEM_JSON
    malformed = await api.gateway.patch(
        path, json={"name": "X"}, headers={**api.operator, "If-Match": "yesterday"}
    )
    assert malformed.status_code == 400
    stale = await api.gateway.patch(
        path, json={"name": "X"}, headers={**api.operator, "If-Match": '"7"'}
    )
    assert stale.status_code == 412
    assert stale.headers["etag"] == '"1"'
    assert stale.json()["current_version"] == 1
    nothing = await api.gateway.patch(path, json={}, headers={**api.operator, "If-Match": '"1"'})
    assert nothing.status_code == 422
    fixed = await api.gateway.patch(
        path, json={"region": "apac"}, headers={**api.operator, "If-Match": '"1"'}
    )
    assert fixed.status_code == 422
    assert [e["field"] for e in fixed.json()["errors"]] == ["region"]


async def test_concurrent_updates_of_one_version_let_exactly_one_through(
    api: Api, accounts_db: Accounts
) -> None:
    tenant = await api.tenant(name="Contested")
    path = f"/v1/tenants/{tenant['tenant_id']}"
    names = [f"Writer {i}" for i in range(8)]
    responses = await asyncio.gather(
        *(
            api.gateway.patch(path, json={"name": n}, headers={**api.operator, "If-Match": '"1"'})
            for n in names
        )
    )
    statuses = Counter(r.status_code for r in responses)
    assert statuses[200] == 1
    assert statuses[409] + statuses[412] == len(names) - 1
    winner = next(r.json()["name"] for r in responses if r.status_code == 200)
    rows = await accounts_db.rows(
        "SELECT name, version FROM tenants WHERE id = $1::uuid", tenant["tenant_id"]
    )
    assert [row for found in rows.values() for row in found] == [{"name": winner, "version": 2}]


async def test_a_suspended_tenant_takes_no_commands_until_reactivated(api: Api) -> None:
    tenant = await api.tenant()
    base = f"/v1/tenants/{tenant['tenant_id']}"
    by_tenant = await api.gateway.post(f"{base}/suspend", headers=bearer(tenant["api_key"]))
    assert by_tenant.status_code == 403
    suspended = await api.gateway.post(
        f"{base}/suspend", json={"reason": "overdue"}, headers=api.operator
    )
    assert (suspended.status_code, suspended.json()["status"]) == (200, "suspended")
    again = await api.gateway.post(f"{base}/suspend", headers=api.operator)
    assert again.json()["version"] == suspended.json()["version"]  # idempotent: no new event
    refused = await api.gateway.post(
        f"{base}/users", json={"email": "a@b.io", "name": "A"}, headers=api.operator
    )
    assert refused.status_code == 409
    assert refused.json()["type"].endswith("/tenant-not-active")
    read = await api.read(base, suspended.headers["x-consistency-token"])
    assert read.json()["status"] == "suspended"
    back = await api.gateway.post(f"{base}/reactivate", headers=api.operator)
    assert (back.status_code, back.json()["status"]) == (200, "active")
    added = await api.gateway.post(
        f"{base}/users", json={"email": "a@b.io", "name": "A"}, headers=api.operator
    )
    assert added.status_code == 201


async def test_erasure_leaves_no_personal_data_and_the_key_stops_working(
    api: Api, accounts_db: Accounts, converge: Converge
) -> None:
    tenant = await api.tenant(name="Forget Me")
    tenant_id, key = tenant["tenant_id"], tenant["api_key"]
    base = f"/v1/tenants/{tenant_id}"
    added = await api.gateway.post(
        f"{base}/users",
        json={"email": "private@forget.me", "name": "Private"},
        headers={**api.operator, "Idempotency-Key": f"erase-{tenant_id}"},
    )
    assert added.status_code == 201
    kept = await accounts_db.rows(
        "SELECT key FROM idempotency_keys WHERE tenant_id = $1::uuid", tenant_id
    )
    assert sum(len(rows) for rows in kept.values()) == 1  # the stored response names Private
    assert (await api.gateway.delete(base, headers=bearer(key))).status_code == 403
    erased = await api.gateway.delete(base, headers=api.operator)
    assert erased.status_code == 204
    token = erased.headers["x-consistency-token"]

    gone = await api.read(base, token)
    assert gone.status_code == 404
    users = await api.read(f"{base}/users", token)
    assert users.status_code == 404
    tenants = await accounts_db.rows(
        "SELECT name, status FROM tenants WHERE id = $1::uuid", tenant_id
    )
    assert [r for found in tenants.values() for r in found] == [{"name": "", "status": "erased"}]
    for table in ("users", "api_keys", "idempotency_keys"):
        sql = f"SELECT 1 FROM {table} WHERE tenant_id = $1::uuid"
        assert not any((await accounts_db.rows(sql, tenant_id)).values())
    outbox = await accounts_db.rows("SELECT envelope FROM outbox WHERE message_key = $1", tenant_id)
    leftover = " ".join(r["envelope"] for found in outbox.values() for r in found)
    assert "private@forget.me" not in leftover
    assert "Forget Me" not in leftover

    async def key_refused() -> int | None:
        response = await api.gateway.get(base, headers=bearer(key))
        return response.status_code if response.status_code == 401 else None

    assert await converge(key_refused, within=15) == 401
    again = await api.gateway.delete(base, headers=api.operator)
    assert again.status_code == 404
