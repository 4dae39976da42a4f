"""Every read carries an ETag over its body; If-None-Match gets a 304 until the data changes."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from support import Api, bearer

TENANT_READS = ("", "/users", "/invoices", "/usage")


async def tenant_with_user(api: Api) -> tuple[dict[str, Any], str]:
    tenant = await api.tenant(name="Conditional")
    added = await api.gateway.post(
        f"/v1/tenants/{tenant['tenant_id']}/users",
        json={"email": f"{uuid.uuid4().hex[:10]}@etag.io", "name": "E"},
        headers=bearer(tenant["api_key"]),
    )
    assert added.status_code == 201, added.text
    return tenant, added.headers["x-consistency-token"]


@pytest.mark.parametrize("suffix", TENANT_READS)
async def test_a_tenant_read_is_private_and_revalidates_to_304(api: Api, suffix: str) -> None:
    tenant, token = await tenant_with_user(api)
    path = f"/v1/tenants/{tenant['tenant_id']}{suffix}"
    first = await api.read(path, token, tenant["api_key"])
    assert first.status_code == 200, first.text
    etag = first.headers["etag"]
    assert first.headers["cache-control"] == "private, no-cache"
    assert "Authorization" in first.headers["vary"]
    key = bearer(tenant["api_key"])
    again = await api.gateway.get(path, headers={**key, "If-None-Match": etag})
    assert again.status_code == 304
    assert again.content == b""
    assert again.headers["etag"] == etag
    weak_in_a_list = {**key, "If-None-Match": f'"other", W/{etag}'}
    assert (await api.gateway.get(path, headers=weak_in_a_list)).status_code == 304
    other = await api.gateway.get(path, headers={**key, "If-None-Match": '"other"'})
    assert other.status_code == 200
    assert other.content == first.content


async def test_a_change_changes_the_etag(api: Api) -> None:
    tenant, token = await tenant_with_user(api)
    path = f"/v1/tenants/{tenant['tenant_id']}/users"
    before = await api.read(path, token, tenant["api_key"])
    added = await api.gateway.post(
        path, json={"email": f"{uuid.uuid4().hex[:10]}@etag.io", "name": "F"},
        headers=bearer(tenant["api_key"]),
    )  # fmt: skip
    after = await api.gateway.get(
        path,
        headers={
            **bearer(tenant["api_key"]),
            "If-None-Match": before.headers["etag"],
            "X-Consistency-Token": added.headers["x-consistency-token"],
        },
    )
    assert after.status_code == 200
    assert after.headers["etag"] != before.headers["etag"]
    assert len(after.json()["items"]) == 2


async def test_the_directory_revalidates_too(api: Api) -> None:
    name = f"Directory {uuid.uuid4().hex[:8]}"
    tenant = await api.tenant(name=name)
    path = f"/v1/tenants?q={name}"
    first = await api.read(path, tenant["token"])
    assert [t["tenant_id"] for t in first.json()["items"]] == [tenant["tenant_id"]]
    again = await api.gateway.get(
        path, headers={**api.operator, "If-None-Match": first.headers["etag"]}
    )
    assert again.status_code == 304
