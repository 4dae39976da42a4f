"""The shadow copy of a read model's tables, and the atomic switch-over to it."""

from __future__ import annotations

import re

import asyncpg

from projector.read_models import ReadModel

_INDEXES = """
SELECT i.indexname AS name, i.indexdef AS definition FROM pg_indexes i
WHERE i.schemaname = $1 AND i.tablename = $2
"""


async def create_shadow(conn: asyncpg.Connection, model: ReadModel) -> None:
    """Empty copies of the live tables (columns, defaults, keys, indexes) in their own schema."""
    shadow = model.shadow_schema
    async with conn.transaction():
        await conn.execute(f"DROP SCHEMA IF EXISTS {shadow} CASCADE")
        await conn.execute(f"CREATE SCHEMA {shadow}")
        for table in model.tables:
            await conn.execute(f"CREATE TABLE {shadow}.{table} (LIKE public.{table} INCLUDING ALL)")


async def drop_shadow(conn: asyncpg.Connection, model: ReadModel) -> None:
    await conn.execute(f"DROP SCHEMA IF EXISTS {model.shadow_schema} CASCADE")


async def lock_live(conn: asyncpg.Connection, model: ReadModel) -> None:
    """Inside the switch's transaction: live writers wait, then write to the new tables.

    A writer blocked on these locks looks the table name up again once it gets the
    lock, so after the commit it finds the rebuilt table, not the retired one.
    """
    tables = ", ".join(f"public.{table}" for table in model.tables)
    await conn.execute(f"LOCK TABLE {tables} IN ACCESS EXCLUSIVE MODE")


async def switch_over(conn: asyncpg.Connection, model: ReadModel) -> None:
    """Inside the switch's transaction: the shadow tables become the live ones."""
    retired, shadow = model.retired_schema, model.shadow_schema
    await conn.execute(f"DROP SCHEMA IF EXISTS {retired} CASCADE")
    await conn.execute(f"CREATE SCHEMA {retired}")
    for table in model.tables:
        await conn.execute(f"ALTER TABLE public.{table} SET SCHEMA {retired}")
        await conn.execute(f"ALTER TABLE {shadow}.{table} SET SCHEMA public")
        await _keep_index_names(conn, retired, table)
    await conn.execute(f"DROP SCHEMA {shadow}")
    await conn.execute(f"DROP SCHEMA {retired} CASCADE")


async def _keep_index_names(conn: asyncpg.Connection, retired: str, table: str) -> None:
    """Give each copied index the name the migrations gave the original."""
    originals = {
        _shape(row["definition"], row["name"]): row["name"]
        for row in await conn.fetch(_INDEXES, retired, table)
    }
    for row in await conn.fetch(_INDEXES, "public", table):
        wanted = originals.get(_shape(row["definition"], row["name"]))
        if wanted is not None and wanted != row["name"]:
            await conn.execute(f'ALTER INDEX public."{row["name"]}" RENAME TO "{wanted}"')


def _shape(definition: str, name: str) -> str:
    """An index definition without its name and schema: what the index is, not where."""
    unnamed = definition.replace(f" {name} ON ", " ON ", 1)
    return re.sub(r" ON (?:\w+\.)?", " ON ", unnamed, count=1)
