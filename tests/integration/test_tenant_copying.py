"""A tenant's rows brought from one database to another, on real Postgres (two scratch
databases): referenced tables first, a second pass copies only what changed and deletes
what went, the tallies agree, and a fence refuses every write but the mover's."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import asyncpg
import pytest
from sqlalchemy.dialects import postgresql
from sqlalchemy.schema import CreateTable

from tessera_common.db.fences import (
    FENCED_SQLSTATE,
    bulk_insert_fence_statements,
    fence_statements,
    tenant_fences,
)
from tessera_common.db.migrations import ensure_database
from tessera_common.db.urls import asyncpg_dsn, with_database
from tessera_common.resharding.copying import delete_rows, sync_tables, tally
from tessera_common.resharding.tables import tenant_tables
from tessera_stack.endpoints import Endpoints

SCHEMA = """
CREATE TABLE parents (id uuid PRIMARY KEY, tenant_id uuid NOT NULL, name text NOT NULL);
CREATE TABLE children (
    tenant_id uuid NOT NULL, n int NOT NULL, parent_id uuid NOT NULL REFERENCES parents (id),
    note text, PRIMARY KEY (tenant_id, n)
);
CREATE TABLE untouched (id int PRIMARY KEY);
"""
TABLES = {"children": "tenant_id", "parents": "tenant_id"}
A, B = uuid.uuid4(), uuid.uuid4()  # two tenants: only A moves
Pair = tuple[asyncpg.Connection, asyncpg.Connection]
POSTGRES = postgresql.dialect()  # type: ignore[no-untyped-call]  # SQLAlchemy's is untyped


async def scratch(server: str, name: str) -> asyncpg.Connection:
    url = with_database(server, name)
    await ensure_database(url)
    conn = await asyncpg.connect(asyncpg_dsn(url))
    await conn.execute(SCHEMA)
    await conn.execute(str(CreateTable(tenant_fences).compile(dialect=POSTGRES)))
    for statement in fence_statements(TABLES):
        await conn.execute(statement)
    return conn


@pytest.fixture
async def pair(
    endpoints: Endpoints,
) -> AsyncIterator[tuple[asyncpg.Connection, asyncpg.Connection]]:
    server = next(iter(endpoints.shard_servers.values()))
    suffix = uuid.uuid4().hex[:8]
    names = [f"copy_test_source_{suffix}", f"copy_test_target_{suffix}"]
    source, target = [await scratch(server, name) for name in names]
    try:
        yield source, target
    finally:
        await source.close()
        await target.close()
        admin = await asyncpg.connect(asyncpg_dsn(with_database(server, "postgres")))
        try:
            for name in names:
                await admin.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
        finally:
            await admin.close()


async def fill(conn: asyncpg.Connection, tenant: uuid.UUID, parents: int) -> list[uuid.UUID]:
    ids = [uuid.uuid4() for _ in range(parents)]
    await conn.executemany(
        "INSERT INTO parents VALUES ($1, $2, $3)", [(i, tenant, f"p{n}") for n, i in enumerate(ids)]
    )
    await conn.executemany(
        "INSERT INTO children VALUES ($1, $2, $3, 'x')",
        [(tenant, n, parent) for n, parent in enumerate(ids)],
    )
    return ids


async def test_the_tenant_tables_come_referenced_first_with_their_keys(
    pair: Pair,
) -> None:
    tables = await tenant_tables(pair[0])
    assert [t.name for t in tables] == ["parents", "children"]
    assert tables[1].key_columns == ("tenant_id", "n")
    assert tables[1].key_types == ("uuid", "integer")


async def test_a_second_pass_copies_what_changed_and_deletes_what_went(
    pair: Pair,
) -> None:
    source, target = pair
    ids = await fill(source, A, 50)
    await fill(source, B, 5)
    tables = await tenant_tables(source)

    first = await sync_tables(source, target, tables, A, tally_first=False)
    assert (first.copied, first.deleted) == (100, 0)
    assert await target.fetchval("SELECT count(*) FROM parents WHERE tenant_id = $1", B) == 0

    await source.execute("UPDATE children SET note = 'changed' WHERE tenant_id = $1 AND n = 7", A)
    await source.execute("DELETE FROM children WHERE tenant_id = $1 AND n = 9", A)
    await source.execute("INSERT INTO children VALUES ($1, 99, $2, 'new')", A, ids[0])
    second = await sync_tables(source, target, tables, A, tally_first=True)
    assert (second.copied, second.deleted) == (2, 2)  # n=7 and n=99 in; old n=7 and n=9 out

    for table in tables:
        assert await tally(source, table, A) == await tally(target, table, A)
    assert second.tallies["children"][0] == second.tallies["children"][1]
    assert (await sync_tables(source, target, tables, A, tally_first=False)).copied == 0


async def test_a_fence_refuses_every_write_of_its_tenant_but_the_movers(
    pair: Pair,
) -> None:
    source, _ = pair
    await fill(source, A, 3)
    await fill(source, B, 3)
    await source.execute(
        "INSERT INTO tenant_fences (tenant_id, state, moved_to) VALUES ($1, 'moving', 'shard-9')", A
    )
    for write in (
        "INSERT INTO parents VALUES (gen_random_uuid(), $1, 'late')",
        "UPDATE children SET note = 'late' WHERE tenant_id = $1",
        "DELETE FROM children WHERE tenant_id = $1",
    ):
        with pytest.raises(asyncpg.PostgresError) as refused:
            await source.execute(write, A)
        assert refused.value.sqlstate == FENCED_SQLSTATE
        assert "being moved to shard-9" in str(refused.value)
    await source.execute("UPDATE children SET note = 'fine' WHERE tenant_id = $1", B)
    assert await delete_rows(source, await tenant_tables(source), A) == 6


async def test_a_bulk_tables_inserts_are_refused_per_statement_its_changes_per_row(
    pair: Pair,
) -> None:
    source, _ = pair
    for statement in bulk_insert_fence_statements({"children": "tenant_id"}):
        await source.execute(statement)
    parents = {tenant: await fill(source, tenant, 2) for tenant in (A, B)}
    await source.execute(
        "INSERT INTO tenant_fences (tenant_id, state, moved_to) VALUES ($1, 'moved', 'shard-9')", A
    )
    many = (
        "INSERT INTO children SELECT t, 100 + n, $3, 'late' "
        "FROM unnest($1::uuid[]) t, generate_series(1, $2) n"
    )
    with pytest.raises(asyncpg.PostgresError) as refused:  # B's rows with one of A's: none
        await source.execute(many, [B, A], 500, parents[B][0])
    assert refused.value.sqlstate == FENCED_SQLSTATE
    assert "being moved to shard-9" in str(refused.value)
    for write in (
        "UPDATE children SET note = 'late' WHERE tenant_id = $1",
        "DELETE FROM children WHERE tenant_id = $1",
    ):
        with pytest.raises(asyncpg.PostgresError) as refused:
            await source.execute(write, A)
        assert refused.value.sqlstate == FENCED_SQLSTATE
    await source.execute(many, [B], 500, parents[B][0])
    async with source.transaction():
        await source.execute("SET LOCAL tessera.mover = 'on'")
        await source.execute(many, [A], 3, parents[A][0])
    counts = dict(await source.fetch("SELECT tenant_id, count(*) FROM children GROUP BY 1"))
    assert counts == {A: 2 + 3, B: 2 + 500}
    assert [t.name for t in await tenant_tables(source)] == ["parents", "children"]
