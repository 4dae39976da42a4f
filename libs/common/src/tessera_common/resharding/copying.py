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
    # Each table's tallies (source, target) once synced, when taken (`tally_first`): under
    # a fence, they verify the copy.
    tallies: dict[str, tuple[Tally, Tally]]


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
    *,
    tally_first: bool,
) -> Synced:
    """Make the target's rows of `tenant` equal the source's, in one target transaction:
    delete the rows that differ or went (referencing tables first), then copy (binary COPY)
    the rows that differ or are new (referenced tables first). `tables` come referenced
    tables first.

    With `tally_first` (under a fence), each table's tallies are compared first, and only
    a table whose tallies differ is compared row by row: the tables the tenant did not
    write to cost one aggregate each; the tallies once synced are returned. Without it (the
    first copy, into an empty target), every table is compared row by row at once."""
    tallies: dict[str, tuple[Tally, Tally]] = {}
    changed = []
    for table in tables:
        if tally_first:
            tallies[table.name] = await _tallies(source, target, table, tenant)
            if tallies[table.name][0] == tallies[table.name][1]:
                continue
        diff = await _diff(source, target, table, tenant)
        if diff.stale or diff.fresh:
            changed.append(diff)
    if not changed:
        return Synced(0, 0, tallies)
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
    if tally_first:
        for diff in changed:
            tallies[diff.table.name] = await _tallies(source, target, diff.table, tenant)
    copied, deleted = sum(len(d.fresh) for d in changed), sum(len(d.stale) for d in changed)
    return Synced(copied, deleted, tallies)


async def _tallies(
    source: asyncpg.Connection, target: asyncpg.Connection, table: TenantTable, tenant: Any
) -> tuple[Tally, Tally]:
    """Both sides' tallies; two servers, so the scans run side by side."""
    at_source, at_target = await asyncio.gather(
        tally(source, table, tenant), tally(target, table, tenant)
    )
    return at_source, at_target


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
