"""Rebuilding read models from their topics: idempotent replays, and a switch under live load."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from typing import Any

import asyncpg
import pytest
from support import Api, bearer, usage_record

from projector.read_models import READ_MODELS, ReadModel
from projector.rebuild.blue_green import rebuild
from projector.rebuild.replay import Offsets, TopicReplay
from projector.rebuild.shadow import create_shadow, drop_shadow
from projector.settings import ProjectorSettings
from projector.stores.postgres import PostgresReadStore
from tessera_common.db.urls import asyncpg_dsn
from tessera_common.settings import KafkaSettings, ReadDbSettings
from tessera_stack.endpoints import Endpoints


@pytest.fixture
def settings(endpoints: Endpoints) -> ProjectorSettings:
    return ProjectorSettings(
        kafka=KafkaSettings(bootstrap_servers=endpoints.kafka_bootstrap),
        read_db=ReadDbSettings(url=endpoints.read_db_url),
    )


@pytest.fixture
async def history(api: Api) -> dict[str, Any]:
    """Every kind of event on every topic: tenants, users, keys, usage, an erasure."""
    kept = await api.tenant(name="Replayed")
    key = bearer(kept["api_key"])
    tenant_path = f"/v1/tenants/{kept['tenant_id']}"
    for n in range(3):
        user = {"email": f"u{n}-{uuid.uuid4().hex[:8]}@replay.io", "name": f"U{n}"}
        added = await api.gateway.post(f"{tenant_path}/users", json=user, headers=key)
        assert added.status_code == 201, added.text
    renamed = await api.gateway.patch(
        tenant_path, json={"name": "Replayed again"}, headers={**key, "If-Match": '"1"'}
    )
    assert renamed.status_code == 200, renamed.text
    records = [usage_record(3)]
    used = await api.gateway.post("/v1/usage", json={"records": records}, headers=key)
    assert used.status_code == 202, used.text
    gone = await api.tenant(name="Erased before the replay")
    erased = await api.gateway.delete(f"/v1/tenants/{gone['tenant_id']}", headers=api.operator)
    assert erased.status_code == 204, erased.text
    # Read back: the projector has applied all of it before the test replays the topics.
    assert (await api.read(tenant_path, erased.headers["x-consistency-token"])).status_code == 200
    return kept


@pytest.fixture
async def admin(endpoints: Endpoints) -> AsyncIterator[asyncpg.Connection]:
    connection = await asyncpg.connect(asyncpg_dsn(endpoints.read_db_url))
    yield connection
    await connection.close()


async def dump(conn: asyncpg.Connection, schema: str, model: ReadModel) -> dict[str, list[str]]:
    """Every row of every table of the model, as Postgres prints it, in a stable order."""
    return {
        table: [
            row["r"]
            for row in await conn.fetch(f"SELECT t::text AS r FROM {schema}.{table} t ORDER BY 1")
        ]
        for table in model.tables
    }


async def replay_into(settings: ProjectorSettings, model: ReadModel, until: Offsets) -> int:
    """Replay the topic from offset 0 up to `until` into the model's shadow copy."""
    store = await PostgresReadStore.connect(
        asyncpg_dsn(settings.read_db.url), 2, schema=model.shadow_schema
    )
    try:
        async with TopicReplay(settings.kafka, model.topic) as replay:
            return (await replay.apply_until(until, store)).events
    finally:
        await store.close()


async def end_offsets(settings: ProjectorSettings, model: ReadModel) -> Offsets:
    async with TopicReplay(settings.kafka, model.topic) as replay:
        return await replay.end_offsets()


@pytest.mark.parametrize("name", sorted(READ_MODELS))
async def test_replaying_a_whole_topic_twice_gives_byte_identical_read_models(
    settings: ProjectorSettings, admin: asyncpg.Connection, history: dict[str, Any], name: str
) -> None:
    model = READ_MODELS[name]
    await create_shadow(admin, model)
    try:
        # The same events both times: the topic keeps growing (the gateway meters calls).
        until = await end_offsets(settings, model)
        assert await replay_into(settings, model, until) > 0
        once = await dump(admin, model.shadow_schema, model)
        assert any(once.values())
        await replay_into(settings, model, until)
        assert await dump(admin, model.shadow_schema, model) == once
    finally:
        await drop_shadow(admin, model)


async def test_a_rebuild_switches_over_while_live_writes_go_on(
    settings: ProjectorSettings, admin: asyncpg.Connection, api: Api, history: dict[str, Any]
) -> None:
    before = await admin.fetchval("SELECT 'public.tenants'::regclass::oid")
    created: list[dict[str, Any]] = []
    stop = asyncio.Event()

    async def live_traffic() -> None:
        while not stop.is_set():
            tenant = await api.tenant(name="During the rebuild")
            user = {"email": f"{uuid.uuid4().hex[:10]}@live.io", "name": "Live"}
            added = await api.gateway.post(
                f"/v1/tenants/{tenant['tenant_id']}/users", json=user,
                headers=bearer(tenant["api_key"]),
            )  # fmt: skip
            assert added.status_code == 201, added.text
            created.append({**tenant, "token": added.headers["x-consistency-token"]})

    writer = asyncio.create_task(live_traffic())
    progress: list[tuple[int, int]] = []
    result = await rebuild(settings, READ_MODELS["accounts"], lambda *p: progress.append(p))
    await asyncio.sleep(0.5)  # writes after the switch land in the new tables too
    stop.set()
    await writer

    assert result.events > 0
    assert progress[-1][0] == progress[-1][1] == result.events
    assert await admin.fetchval("SELECT 'public.tenants'::regclass::oid") != before
    leftovers = "SELECT nspname FROM pg_namespace WHERE nspname LIKE 're%_accounts'"
    assert await admin.fetch(leftovers) == []
    assert len(created) >= 2
    for tenant in created:
        path = f"/v1/tenants/{tenant['tenant_id']}"
        read = await api.read(path, tenant["token"], tenant["api_key"])
        assert read.status_code == 200, read.text
        assert read.json()["user_count"] == 1
    kept = await api.read(f"/v1/tenants/{history['tenant_id']}", history["token"])
    assert (kept.json()["name"], kept.json()["user_count"]) == ("Replayed again", 3)
