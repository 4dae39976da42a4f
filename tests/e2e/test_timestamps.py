"""One timestamp format everywhere: a command's response and the read model agree, RFC 3339 `Z`."""

from __future__ import annotations

import re

from support import Api

RFC3339_UTC = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,6})?Z")


async def test_commands_and_read_models_write_the_same_timestamps(api: Api) -> None:
    tenant = await api.tenant(name="Timestamps")
    profile = (await api.read(f"/v1/tenants/{tenant['tenant_id']}", tenant["token"])).json()
    assert RFC3339_UTC.fullmatch(tenant["created_at"]), tenant["created_at"]
    assert profile["created_at"] == tenant["created_at"]
    assert RFC3339_UTC.fullmatch(profile["updated_at"]), profile["updated_at"]

    added = await api.gateway.post(
        f"/v1/tenants/{tenant['tenant_id']}/users",
        json={"email": "ada@timestamps.io", "name": "Ada"},
        headers=api.operator,
    )
    assert added.status_code == 201, added.text
    path = f"/v1/tenants/{tenant['tenant_id']}/users/{added.json()['user_id']}"
    user = (await api.read(path, added.headers["x-consistency-token"])).json()
    assert user["created_at"] == added.json()["created_at"]

    usage = (await api.read(f"/v1/tenants/{tenant['tenant_id']}/usage", tenant["token"])).json()
    assert RFC3339_UTC.fullmatch(usage["from"]), usage
    assert RFC3339_UTC.fullmatch(usage["to"]), usage
