"""Kafka down never fails a command; when it returns, the outbox drains into the read models."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from typing import Any

from support import Accounts, Api

from tessera_stack.stack import LocalStack

Converge = Callable[..., Awaitable[Any]]
USERS_PER_TENANT = 2


async def tenant_with_users(api: Api, n: int) -> tuple[str, list[int]]:
    """A tenant and its users; returns its id and every command's status."""
    tenant = await api.tenant(name=f"Outage {n}", region=("us-east", "eu-west", "apac")[n % 3])
    statuses = [201]
    for u in range(USERS_PER_TENANT):
        added = await api.gateway.post(
            f"/v1/tenants/{tenant['tenant_id']}/users",
            json={"email": f"user{u}@outage{n}.io", "name": f"User {u}"},
            headers=api.operator,
        )
        statuses.append(added.status_code)
    return tenant["tenant_id"], statuses


async def unsent(accounts_db: Accounts) -> int:
    rows = await accounts_db.rows("SELECT count(*) AS n FROM outbox WHERE sent_at IS NULL")
    return sum(found[0]["n"] for found in rows.values())


async def test_commands_succeed_while_kafka_is_down_and_every_event_lands_once_in_effect(
    local_stack: LocalStack, api: Api, accounts_db: Accounts, converge: Converge
) -> None:
    made: list[tuple[str, list[int]]] = []
    stop_load = asyncio.Event()

    async def load() -> None:
        n = 0
        while not stop_load.is_set():
            made.append(await tenant_with_users(api, n))
            n += 1

    runner = asyncio.create_task(load())
    try:
        await asyncio.sleep(0.5)
        await asyncio.to_thread(local_stack.kafka.process.stop)
        during = len(made)
        await asyncio.sleep(3)  # commands keep coming against a dead broker
        backlog = await unsent(accounts_db)
    finally:
        with contextlib.suppress(Exception):
            if not local_stack.kafka.process.running():
                await asyncio.to_thread(local_stack.kafka.start)
    await asyncio.sleep(0.5)
    stop_load.set()
    await runner

    assert len(made) > during + 1, "no command ran while the broker was down"
    assert backlog > 0, "the outbox held nothing back while Kafka was down"
    assert all(status == 201 for _, statuses in made for status in statuses)

    async def drained() -> bool | None:
        return True if await unsent(accounts_db) == 0 else None

    await converge(drained, within=90)

    async def projected(tenant_id: str) -> dict[str, Any] | None:
        response = await api.gateway.get(f"/v1/tenants/{tenant_id}", headers=api.operator)
        if response.status_code != 200 or response.json()["user_count"] != USERS_PER_TENANT:
            return None
        return dict(response.json())

    for tenant_id, _ in made:
        await converge(lambda t=tenant_id: projected(t), within=60)
        listed = await api.gateway.get(f"/v1/tenants/{tenant_id}/users", headers=api.operator)
        written = await accounts_db.rows(
            "SELECT id FROM users WHERE tenant_id = $1::uuid ORDER BY id", tenant_id
        )
        assert sorted(u["user_id"] for u in listed.json()["items"]) == sorted(
            str(row["id"]) for found in written.values() for row in found
        )
