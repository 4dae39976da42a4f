"""Connections the shard server closed under the services (it restarted, or the link
dropped): the pools lend connections without testing them first, so the first statement
finds one closed, and the command runs once more on a fresh connection, never a 503."""

from __future__ import annotations

import uuid

from support import Accounts, Api, bearer

CLOSE_OTHERS = """
SELECT count(pg_terminate_backend(pid)) AS closed FROM pg_stat_activity
WHERE datname = current_database() AND usename = current_user AND pid <> pg_backend_pid()
"""


async def test_commands_on_connections_the_server_closed_run_again_on_fresh_ones(
    api: Api, accounts_db: Accounts
) -> None:
    tenant = await api.tenant(name="Stale")
    users = f"/v1/tenants/{tenant['tenant_id']}/users"
    key = bearer(tenant["api_key"])
    warm = [
        await api.gateway.post(users, json={"email": f"warm{i}@x.io", "name": "W"}, headers=key)
        for i in range(6)
    ]
    assert [r.status_code for r in warm] == [201] * 6  # both instances' pools hold connections
    before = await _users_of(accounts_db, tenant)

    closed = await accounts_db.rows(CLOSE_OTHERS)
    assert closed[tenant["shard"]][0]["closed"] > 0

    created = [
        await api.gateway.post(users, json={"email": f"after{i}@x.io", "name": "A"}, headers=key)
        for i in range(6)
    ]
    assert [r.status_code for r in created] == [201] * 6, [r.text for r in created]
    keyed = await api.gateway.post(
        users, json={"email": "keyed@x.io", "name": "K"},
        headers={**key, "Idempotency-Key": f"stale-{uuid.uuid4()}"},
    )  # fmt: skip
    assert keyed.status_code == 201, keyed.text

    # The relay lost its connections too, and publishes on new ones: the users are read.
    last = created[-1]
    seen = await api.read(
        f"{users}/{last.json()['user_id']}", last.headers["x-consistency-token"], tenant["api_key"]
    )
    assert seen.status_code == 200, seen.text
    assert await _users_of(accounts_db, tenant) == before + 7  # each once: no retry wrote twice


async def _users_of(accounts_db: Accounts, tenant: dict[str, str]) -> int:
    found = await accounts_db.rows(
        "SELECT count(*) AS n FROM users WHERE tenant_id = $1", uuid.UUID(tenant["tenant_id"])
    )
    return int(found[tenant["shard"]][0]["n"])
