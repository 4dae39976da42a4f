"""The local stack checks every schema by its Alembic revision before running anything."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import asyncpg
import pytest
from alembic.script import ScriptDirectory

from tessera_common.db.urls import asyncpg_dsn
from tessera_stack.endpoints import Endpoints
from tessera_stack.migrations import SCHEMAS, heads, pending_migrations
from tessera_stack.stack import LocalStack


def test_the_heads_read_from_the_scripts_are_alembics() -> None:
    for schema in SCHEMAS:
        assert heads(schema.scripts) == set(ScriptDirectory(str(schema.scripts)).get_heads())


@pytest.fixture
async def read_models(endpoints: Endpoints) -> AsyncIterator[asyncpg.Connection]:
    conn = await asyncpg.connect(asyncpg_dsn(endpoints.read_db_url))
    yield conn
    await conn.close()


async def test_a_database_behind_its_head_is_found_and_nothing_else(
    local_stack: LocalStack, read_models: asyncpg.Connection
) -> None:
    layout = local_stack.layout
    assert await asyncio.to_thread(pending_migrations, layout) == []
    head = await read_models.fetchval("SELECT version_num FROM alembic_version")
    await read_models.execute("UPDATE alembic_version SET version_num = '0004'")
    try:
        assert await asyncio.to_thread(pending_migrations, layout) == ["projector.migrate"]
    finally:
        await read_models.execute("UPDATE alembic_version SET version_num = $1", head)
    assert await asyncio.to_thread(pending_migrations, layout) == []
