"""Moving a tenant to another shard on the running stack: its accounts and usage rows move
while its writes go on, the fence answers 503 with Retry-After, the directory flips, the
source is emptied, and a move killed at any step resumes, or rolls back before its flip."""

from __future__ import annotations

import asyncio
import os
import sys
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import asyncpg
import pytest
from support import (
    PROBLEM_JSON,
    Api,
    bearer,
    current_topology,
    mover,
    shard_servers,
    usage_record,
)

from tessera_common.db.urls import asyncpg_dsn, with_database
from tessera_common.resharding.moves import MoveError, MoveState
from tessera_common.vocabulary import Region
from tessera_stack.endpoints import Endpoints
from tessera_stack.stack import LocalStack

Converge = Callable[..., Awaitable[Any]]
PACE_SECONDS = 0.05  # within a pro tenant's rate limit
KILL_POINTS = [
    MoveState.COPIED, MoveState.FENCED, MoveState.CAUGHT_UP, MoveState.VERIFIED,
    MoveState.FLIPPED,
]  # fmt: skip


async def other_regional_shard(endpoints: Endpoints, tenant: dict[str, Any]) -> str:
    group = (await current_topology(endpoints)).regions.group(Region(tenant["region"]))
    return next(shard for shard in group if shard != tenant["shard"])


async def count_on(endpoints: Endpoints, shard: str, database: str, sql: str, *args: object) -> int:
    server = (await shard_servers(endpoints))[shard]
    conn = await asyncpg.connect(asyncpg_dsn(with_database(server, database)))
    try:
        return int(await conn.fetchval(sql, *args))
    finally:
        await conn.close()


async def placement(endpoints: Endpoints, tenant_id: str) -> str:
    conn = await asyncpg.connect(asyncpg_dsn(endpoints.directory_db_url))
    try:
        return str(
            await conn.fetchval(
                "SELECT shard FROM tenant_placements WHERE tenant_id = $1", uuid.UUID(tenant_id)
            )
        )
    finally:
        await conn.close()


class Writer:
    """Adds users to a tenant as fast as they are answered, retrying 503s after their
    Retry-After: every user acknowledged (201) is one that must exist afterwards."""

    def __init__(self, api: Api, tenant: dict[str, Any]) -> None:
        self.api, self.tenant = api, tenant
        self.acknowledged: list[str] = []
        self.statuses: dict[int, int] = {}
        self.retry_after: set[str] = set()
        self._stop = asyncio.Event()

    async def run(self) -> None:
        n = 0
        while not self._stop.is_set():
            n += 1
            email = f"w{n}@example.com"
            while True:
                response = await self.api.gateway.post(
                    f"/v1/tenants/{self.tenant['tenant_id']}/users",
                    json={"email": email, "name": f"W{n}"},
                    headers=bearer(self.tenant["api_key"]),
                )
                self.statuses[response.status_code] = self.statuses.get(response.status_code, 0) + 1
                if response.status_code != 503:
                    break
                assert response.headers["content-type"] == PROBLEM_JSON
                self.retry_after.add(response.headers["retry-after"])
                await asyncio.sleep(0.05)
            assert response.status_code == 201, response.text
            self.acknowledged.append(response.json()["user_id"])
            await asyncio.sleep(PACE_SECONDS)

    def stop(self) -> None:
        self._stop.set()


async def test_a_tenant_moves_online_with_every_row_while_its_writes_go_on(
    api: Api, endpoints: Endpoints, converge: Converge
) -> None:
    tenant = await api.tenant(region="us-east", name="Moving", plan="pro")
    tenant_id, key = tenant["tenant_id"], bearer(tenant["api_key"])
    source, target = tenant["shard"], await other_regional_shard(endpoints, tenant)
    record = usage_record(5)
    usage = await api.gateway.post("/v1/usage", json={"records": [record]}, headers=key)
    assert usage.status_code == 202, usage.text
    writer = Writer(api, tenant)
    writing = asyncio.create_task(writer.run())
    await converge(lambda: asyncio.sleep(0, len(writer.acknowledged) >= 5 or None))

    async with mover(endpoints) as moves:
        move = await moves.run((await moves.plan(uuid.UUID(tenant_id), target)).id)
    await converge(lambda: asyncio.sleep(0, len(writer.acknowledged) >= 10 or None), within=30)
    writer.stop()
    await writing

    assert move.state == MoveState.DONE
    assert move.fence_seconds is not None
    assert 0 < move.fence_seconds < 5
    assert move.report is not None
    assert all(t["rows"] == t["target_rows"] for t in move.report.values())
    assert await placement(endpoints, tenant_id) == target
    assert writer.retry_after <= {"1"}
    tid = uuid.UUID(tenant_id)
    users = "SELECT count(*) FROM users WHERE tenant_id = $1"
    assert await count_on(endpoints, source, "accounts", users, tid) == 0
    assert await count_on(endpoints, target, "accounts", users, tid) == len(writer.acknowledged)
    on_target = "SELECT count(*) FROM users WHERE tenant_id = $1 AND id = ANY($2::uuid[])"
    acknowledged = [uuid.UUID(u) for u in writer.acknowledged]
    assert await count_on(endpoints, target, "accounts", on_target, tid, acknowledged) == len(
        set(acknowledged)
    )
    # (the gateway meters the writer's calls too: their records move or land on the target)
    sent = "SELECT coalesce(sum(quantity), 0) FROM usage_records WHERE event_id = $1"
    assert await count_on(endpoints, target, "usage", sent, uuid.UUID(record["event_id"])) == 5
    records = "SELECT count(*) FROM usage_records WHERE tenant_id = $1"
    assert await count_on(endpoints, source, "usage", records, tid) == 0

    # The read model agrees with the shard: every acknowledged user counted, once; and
    # TenantMoved, from the new shard, stepped the tenant's version (1 -> 2).
    async def counted() -> int | None:
        profile = (await api.gateway.get(f"/v1/tenants/{tenant_id}", headers=key)).json()
        count = profile.get("user_count")
        return count if count == len(writer.acknowledged) and profile["version"] == 2 else None

    assert await converge(counted, within=30) == len(writer.acknowledged)
    moved = "SELECT count(*) FROM outbox WHERE event_type = 'TenantMoved' AND message_key = $1"
    assert await count_on(endpoints, target, "accounts", moved, tenant_id) == 1


@pytest.mark.parametrize("killed_after", KILL_POINTS, ids=[s.value for s in KILL_POINTS])
async def test_a_move_killed_after_any_step_resumes_to_the_end(
    api: Api, endpoints: Endpoints, killed_after: MoveState
) -> None:
    tenant = await api.tenant(region="us-east", name="Resumed")
    tenant_id = uuid.UUID(tenant["tenant_id"])
    target = await other_regional_shard(endpoints, tenant)
    async with mover(endpoints) as moves:
        planned = await moves.plan(tenant_id, target)
        stopped = await moves.run(planned.id, stop_after=killed_after)
        assert stopped.state == killed_after
        with pytest.raises(MoveError, match="being moved already"):
            await moves.plan(tenant_id, tenant["shard"])
    async with mover(endpoints) as moves:  # another process picks it up
        resumed = await moves.run(planned.id)

    assert resumed.state == MoveState.DONE
    assert await placement(endpoints, tenant["tenant_id"]) == target
    tenants = "SELECT count(*) FROM tenants WHERE id = $1 AND shard = $2"
    assert await count_on(endpoints, target, "accounts", tenants, tenant_id, target) == 1
    assert await count_on(endpoints, tenant["shard"], "accounts", tenants, tenant_id, target) == 0


async def test_a_fenced_tenant_gets_503s_and_an_aborted_move_leaves_it_as_it_was(
    api: Api, endpoints: Endpoints
) -> None:
    tenant = await api.tenant(region="us-east", name="Aborted")
    tenant_id, key = tenant["tenant_id"], bearer(tenant["api_key"])
    target = await other_regional_shard(endpoints, tenant)
    async with mover(endpoints) as moves:
        planned = await moves.plan(uuid.UUID(tenant_id), target)
        move = await moves.run(planned.id, stop_after=MoveState.FENCED)

    add = {"email": "fenced@example.com", "name": "Fenced"}
    fenced = await api.gateway.post(f"/v1/tenants/{tenant_id}/users", json=add, headers=key)
    assert fenced.status_code == 503, fenced.text
    assert fenced.headers["retry-after"] == "1"
    assert fenced.json()["type"].endswith("/shard-unavailable")
    assert "moving this tenant" in fenced.json()["detail"]

    async with mover(endpoints) as moves:
        aborted = await moves.abort(move.id)
        assert aborted.state == MoveState.ROLLED_BACK
        assert (await moves.run(move.id)).state == MoveState.ROLLED_BACK  # resuming: nothing
    tenants = "SELECT count(*) FROM tenants WHERE id = $1"
    assert await count_on(endpoints, target, "accounts", tenants, uuid.UUID(tenant_id)) == 0
    assert await placement(endpoints, tenant_id) == tenant["shard"]
    after = await api.gateway.post(f"/v1/tenants/{tenant_id}/users", json=add, headers=key)
    assert after.status_code == 201, after.text


async def test_a_flipped_move_cannot_be_aborted_and_a_move_may_not_leave_the_region(
    api: Api, endpoints: Endpoints
) -> None:
    tenant = await api.tenant(region="us-east", name="Flipped")
    tenant_id = uuid.UUID(tenant["tenant_id"])
    foreign = (await current_topology(endpoints)).regions.group(Region.EU_WEST)[0]
    target = await other_regional_shard(endpoints, tenant)
    async with mover(endpoints) as moves:
        with pytest.raises(MoveError, match="stay on us-east's shards"):
            await moves.plan(tenant_id, foreign)
        with pytest.raises(MoveError, match=r"is on shard-\d+ already"):
            await moves.plan(tenant_id, tenant["shard"])
        planned = await moves.plan(tenant_id, target)
        flipped = await moves.run(planned.id, stop_after=MoveState.FLIPPED)
        with pytest.raises(MoveError, match="move it back"):
            await moves.abort(flipped.id)
        assert (await moves.run(flipped.id)).state == MoveState.DONE


async def test_an_operator_starts_a_move_over_http_and_follows_it_to_the_end(
    api: Api, endpoints: Endpoints, converge: Converge
) -> None:
    tenant = await api.tenant(region="us-east", name="Routed")
    tenant_id = tenant["tenant_id"]
    target = await other_regional_shard(endpoints, tenant)
    moves = f"/v1/tenants/{tenant_id}/moves"

    refused = await api.gateway.post(moves, json={"target": tenant["shard"]}, headers=api.operator)
    assert refused.status_code == 409, refused.text
    assert refused.json()["type"].endswith("/move-refused")
    invalid = await api.gateway.post(moves, json={"target": "Shard 9"}, headers=api.operator)
    assert invalid.status_code == 422
    as_tenant = bearer(tenant["api_key"])
    assert (
        await api.gateway.post(moves, json={"target": target}, headers=as_tenant)
    ).status_code == 403

    started = await api.gateway.post(moves, json={"target": target}, headers=api.operator)
    assert started.status_code == 202, started.text
    assert started.json()["state"] == "planned"
    location = started.headers["location"]
    assert location == f"{moves}/{started.json()['move_id']}"

    async def done() -> dict[str, Any] | None:
        progress = (await api.gateway.get(location, headers=api.operator)).json()
        return progress if progress["state"] == "done" else None

    finished = await converge(done, within=60)
    assert (finished["source"], finished["target"]) == (tenant["shard"], target)
    assert finished["fence_seconds"] > 0
    assert finished["report"]["accounts.tenants"]["rows"] == 1
    assert await placement(endpoints, tenant_id) == target
    unknown = await api.gateway.get(f"{moves}/{uuid.uuid4()}", headers=api.operator)
    assert unknown.status_code == 404


async def test_a_mover_process_killed_mid_copy_is_resumed_by_another(
    api: Api, endpoints: Endpoints, local_stack: LocalStack, converge: Converge
) -> None:
    tenant = await api.tenant(region="us-east", name="Killed", plan="pro")
    tenant_id, key = uuid.UUID(tenant["tenant_id"]), bearer(tenant["api_key"])
    for _ in range(2):  # enough rows that the copy takes a while
        batch = [usage_record() for _ in range(10_000)]
        sent = await api.gateway.post("/v1/usage", json={"records": batch}, headers=key)
        assert sent.status_code == 202, sent.text
    target = await other_regional_shard(endpoints, tenant)
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "accounts.moves", "start", "--tenant", str(tenant_id),
        "--to", target, env={**os.environ, **local_stack.environment},
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL,
    )  # fmt: skip

    async def planned() -> MoveState | None:
        conn = await asyncpg.connect(asyncpg_dsn(endpoints.directory_db_url))
        try:
            state = await conn.fetchval(
                "SELECT state FROM tenant_moves WHERE tenant_id = $1", tenant_id
            )
        finally:
            await conn.close()
        return None if state is None else MoveState(state)

    assert await converge(planned, within=30, interval=0.01) == MoveState.PLANNED
    process.kill()  # SIGKILL while it copies: nothing runs its cleanup
    await process.wait()

    async with mover(endpoints) as moves:
        (killed,) = await moves.moves_of(tenant_id)
        resumed = await moves.run(killed.id)
    assert resumed.state == MoveState.DONE
    assert await placement(endpoints, str(tenant_id)) == target
    assert resumed.report is not None
    assert resumed.report["usage.usage_records"]["target_rows"] == 20_000
    records = "SELECT count(*) FROM usage_records WHERE tenant_id = $1"
    assert await count_on(endpoints, target, "usage", records, tenant_id) == 20_000
    assert await count_on(endpoints, tenant["shard"], "usage", records, tenant_id) == 0
