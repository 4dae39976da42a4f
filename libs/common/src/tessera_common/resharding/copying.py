"""One tenant's rows of one table, brought from a source shard's database to a target's:
rows are compared by a digest of their whole content, so a second pass copies only what
changed since the first (and deletes what went), and a verification compares both sides.

Tallies (a count and an order-independent checksum) are taken per bucket of keys (64
buckets by a hash of the key): under a fence, only the buckets whose tallies differ are
compared row by row, so a big tenant that wrote a few rows since its first copy costs one
aggregate scan per side and a digest of a sixty-fourth of its rows."""

from __future__ import annotations

import asyncio
import hashlib
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


BUCKETS = 64
Buckets = list[int] | None  # some buckets of keys, or (None) all of them


def _bucket(table: TenantTable) -> str:
    """A row's bucket, by a 64-bit hash of its key: Postgres' `hashtextextended`, the hash
    of hash partitioning, the same on every server of a major version."""
    return f"(hashtextextended(ROW({table.keys})::text, 0) & {BUCKETS - 1})"


def _where(table: TenantTable, buckets: Buckets) -> str:
    """The tenant's rows ($1), in `buckets` ($2) when given."""
    if buckets is None:
        return table.where_tenant()
    return f"{table.where_tenant()} AND {_bucket(table)} = ANY($2::int[])"


def _bucket_args(buckets: Buckets) -> list[Any]:
    return [] if buckets is None else [buckets]


async def _digests(
    conn: asyncpg.Connection, table: TenantTable, tenant: Any, buckets: Buckets
) -> dict[Key, str]:
    rows = await conn.fetch(
        f"SELECT {table.keys}, md5(t::text) AS digest FROM {table.name} t "
        f"WHERE {_where(table, buckets)}",
        tenant, *_bucket_args(buckets),
    )  # fmt: skip
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
    source: asyncpg.Connection,
    target: asyncpg.Connection,
    table: TenantTable,
    tenant: Any,
    buckets: Buckets,
) -> _Diff:
    at_source, at_target = await asyncio.gather(
        _digests(source, table, tenant, buckets), _digests(target, table, tenant, buckets)
    )  # two servers: the scans run side by side
    stale = [key for key, digest in at_target.items() if at_source.get(key) != digest]
    fresh = [key for key, digest in at_source.items() if at_target.get(key) != digest]
    everything = buckets is None and len(fresh) == len(at_source)
    return _Diff(table, stale, fresh, everything)


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

    With `tally_first` (under a fence), each table's tallies are compared first, bucket by
    bucket, and only the buckets whose tallies differ are compared row by row: what the
    tenant did not write to costs one aggregate per table; the tallies once synced are
    returned. Without it (the first copy, into an empty target), every table is compared
    row by row at once."""
    tallies: dict[str, tuple[Tally, Tally]] = {}
    bucketed: dict[str, tuple[dict[int, Tally], dict[int, Tally]]] = {}
    compared: dict[str, list[int]] = {}  # the buckets whose tallies differed, by table
    changed = []
    for table in tables:
        buckets: Buckets = None
        if tally_first:
            # Two servers: the scans run side by side.
            at_source, at_target = bucketed[table.name] = await asyncio.gather(
                bucket_tallies(source, table, tenant), bucket_tallies(target, table, tenant)
            )
            buckets = sorted(
                b
                for b in at_source.keys() | at_target.keys()
                if at_source.get(b) != at_target.get(b)
            )
            if not buckets:
                tallies[table.name] = (_whole(at_source), _whole(at_target))
                continue
            compared[table.name] = buckets
        diff = await _diff(source, target, table, tenant, buckets)
        if diff.stale or diff.fresh:
            changed.append(diff)
    rows = {diff.table.name: await _rows(source, diff, tenant) for diff in changed if diff.fresh}
    if changed:
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
    for table in tables:
        if (buckets := compared.get(table.name)) is None:
            continue
        # The target's buckets compared row by row, tallied again once synced (the source's
        # cannot have changed: the fence holds its writes).
        at_source, at_target = bucketed[table.name]
        for bucket in buckets:
            at_target.pop(bucket, None)
        at_target.update(await bucket_tallies(target, table, tenant, buckets))
        tallies[table.name] = (_whole(at_source), _whole(at_target))
    copied, deleted = sum(len(d.fresh) for d in changed), sum(len(d.stale) for d in changed)
    return Synced(copied, deleted, tallies)


async def bucket_tallies(
    conn: asyncpg.Connection, table: TenantTable, tenant: Any, buckets: Buckets = None
) -> dict[int, Tally]:
    """For each bucket of keys holding rows of `tenant`, how many, and a checksum of their
    content that does not depend on their physical order."""
    # The sum of every row's 64-bit hash: no sort, and the same whatever the rows' order.
    rows = await conn.fetch(
        f"SELECT {_bucket(table)} AS bucket, count(*) AS rows, "
        f"sum(hashtextextended(t::text, 0)::numeric)::text AS checksum "
        f"FROM {table.name} t WHERE {_where(table, buckets)} GROUP BY 1",
        tenant, *_bucket_args(buckets),
    )  # fmt: skip
    return {row["bucket"]: Tally(row["rows"], row["checksum"]) for row in rows}


def _whole(buckets: dict[int, Tally]) -> Tally:
    """A table's tally from its buckets'."""
    if not buckets:
        return Tally(0, "")
    listed = "".join(f"{b}:{t.checksum};" for b, t in sorted(buckets.items()))
    return Tally(
        sum(t.rows for t in buckets.values()),
        hashlib.md5(listed.encode(), usedforsecurity=False).hexdigest(),
    )


async def tally(conn: asyncpg.Connection, table: TenantTable, tenant: Any) -> Tally:
    """How many rows of `tenant` the table holds, and a checksum of their content that does
    not depend on their physical order."""
    return _whole(await bucket_tallies(conn, table, tenant))


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
