"""One tenant's rows of one table, brought from a source shard's database to a target's:
rows are compared by a digest of their whole content, so a second pass copies only what
changed since the first (and deletes what went), and a verification compares both sides."""

from __future__ import annotations

import asyncio
import io
from dataclasses import dataclass
from typing import Any

import asyncpg

from tessera_common.resharding.tables import TenantTable

# The mover writes through a tenant's fence (see tessera_common.db.fences).
THROUGH_FENCE = "SELECT set_config('tessera.mover', 'on', true)"
Key = tuple[Any, ...]


@dataclass(frozen=True)
class Synced:
    copied: int
    deleted: int


@dataclass(frozen=True)
class Tally:
    rows: int
    checksum: str


async def _digests(conn: asyncpg.Connection, table: TenantTable, tenant: Any) -> dict[Key, str]:
    rows = await conn.fetch(
        f"SELECT {table.keys}, md5(t::text) AS digest FROM {table.name} t "
        f"WHERE {table.where_tenant()}",
        tenant,
    )
    return {tuple(row[k] for k in table.key_columns): row["digest"] for row in rows}


def _key_arrays(table: TenantTable, keys: list[Key]) -> list[list[Any]]:
    return [[key[n] for key in keys] for n in range(len(table.key_columns))]


@dataclass(frozen=True)
class _Diff:
    table: TenantTable
    stale: list[Key]  # on the target, differing from the source or gone from it
    fresh: list[Key]  # on the source, differing from the target or missing there
    everything: bool  # `fresh` is every source row: no key list to send


async def _diff(
    source: asyncpg.Connection, target: asyncpg.Connection, table: TenantTable, tenant: Any
) -> _Diff:
    at_source, at_target = await asyncio.gather(
        _digests(source, table, tenant), _digests(target, table, tenant)
    )  # two servers: the scans run side by side
    stale = [key for key, digest in at_target.items() if at_source.get(key) != digest]
    fresh = [key for key, digest in at_source.items() if at_target.get(key) != digest]
    return _Diff(table, stale, fresh, everything=len(fresh) == len(at_source))


async def _rows(source: asyncpg.Connection, diff: _Diff, tenant: Any) -> io.BytesIO:
    table, buffer = diff.table, io.BytesIO()
    if diff.everything:
        query, args = f"SELECT * FROM {table.name} WHERE {table.where_tenant()}", [tenant]
    else:
        query = f"SELECT * FROM {table.name} WHERE {table.where_keys()}"
        args = [tenant, *_key_arrays(table, diff.fresh)]
    await source.copy_from_query(query, *args, output=buffer, format="binary")
    buffer.seek(0)
    return buffer


async def sync_tables(
    source: asyncpg.Connection,
    target: asyncpg.Connection,
    tables: list[TenantTable],
    tenant: Any,
) -> Synced:
    """Make the target's rows of `tenant` equal the source's, in one target transaction:
    delete the rows that differ or went (referencing tables first), then copy (binary COPY)
    the rows that differ or are new (referenced tables first). `tables` come referenced
    tables first."""
    diffs = [await _diff(source, target, table, tenant) for table in tables]
    changed = [diff for diff in diffs if diff.stale or diff.fresh]
    if not changed:
        return Synced(0, 0)
    rows = {diff.table.name: await _rows(source, diff, tenant) for diff in changed if diff.fresh}
    async with target.transaction():
        await target.execute(THROUGH_FENCE)
        for diff in reversed(changed):
            if diff.stale:
                await target.execute(
                    f"DELETE FROM {diff.table.name} WHERE {diff.table.where_keys()}",
                    tenant, *_key_arrays(diff.table, diff.stale),
                )  # fmt: skip
        for name, buffer in rows.items():
            await target.copy_to_table(name, source=buffer, format="binary")
    return Synced(sum(len(d.fresh) for d in changed), sum(len(d.stale) for d in changed))


async def tally(conn: asyncpg.Connection, table: TenantTable, tenant: Any) -> Tally:
    """How many rows of `tenant` the table holds, and a checksum of their content that does
    not depend on their physical order."""
    row = await conn.fetchrow(
        f"SELECT count(*) AS rows, "
        f"coalesce(md5(string_agg(md5(t::text), '' ORDER BY md5(t::text))), '') AS checksum "
        f"FROM {table.name} t WHERE {table.where_tenant()}",
        tenant,
    )
    return Tally(row["rows"], row["checksum"])


async def delete_rows(conn: asyncpg.Connection, tables: list[TenantTable], tenant: Any) -> int:
    """Every row of `tenant` in the tables (referenced tables first, so deleted last),
    deleted through its fence in one transaction."""
    deleted = 0
    async with conn.transaction():
        await conn.execute(THROUGH_FENCE)
        for table in reversed(tables):
            status = await conn.execute(
                f"DELETE FROM {table.name} WHERE {table.where_tenant()}", tenant
            )
            deleted += int(status.split()[-1])
    return deleted
