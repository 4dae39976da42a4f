"""Cold storage for usage: expired monthly partitions to compressed files, and back.

Archive: every partition older than the retention window is copied out as gzipped
CSV beside a manifest (rows, SHA-256, period, shard), read back and counted, and
only then detached and dropped; the month's event ids stay claimed (usage_event_ids), so
an id stays refused once its month is cold. Restore: the manifest's checksum is verified,
the partition is created again, the rows copied in and counted, and their ids claimed
(archives older than the claims table had none). Both are idempotent.

    python -m usage.archive archive [--dir DIR]
    python -m usage.archive restore --period YYYY-MM [--dir DIR]
"""

from __future__ import annotations

import argparse
import asyncio
import gzip
import hashlib
import io
import json
import re
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

import asyncpg

from tessera_common.db.urls import asyncpg_dsn, with_database
from tessera_common.sharding.time_partitions import (
    MonthlyPartition,
    create_partition_sql,
    expired,
)
from tessera_common.timestamps import rfc3339
from usage.adapters.records import TABLE
from usage.settings import DATABASE, UsageSettings

_PARTITION = re.compile(rf"^{TABLE}_(\d{{4}})_(\d{{2}})$")
_LIST = """
SELECT c.relname FROM pg_inherits i
JOIN pg_class c ON c.oid = i.inhrelid JOIN pg_class p ON p.oid = i.inhparent
WHERE p.relname = $1
"""
_CLAIM = """
INSERT INTO usage_event_ids (tenant_id, event_id, occurred_at)
SELECT tenant_id, event_id, occurred_at FROM "{partition}" ORDER BY event_id
ON CONFLICT DO NOTHING
"""
COLUMNS = ("tenant_id", "event_id", "meter", "quantity", "occurred_at", "received_at")


@dataclass(frozen=True)
class Manifest:
    table: str
    partition: str
    period: str
    shard: str
    rows: int
    sha256: str
    bytes: int
    columns: tuple[str, ...]
    format: str
    archived_at: str

    @property
    def data_file(self) -> str:
        return f"{self.partition}.csv.gz"


async def partitions(conn: asyncpg.Connection) -> dict[MonthlyPartition, str]:
    found = {}
    for row in await conn.fetch(_LIST, TABLE):
        if match := _PARTITION.match(row["relname"]):
            found[MonthlyPartition(int(match[1]), int(match[2]))] = row["relname"]
    return found


async def archive_shard(
    conn: asyncpg.Connection, shard: str, folder: Path, now: datetime, retention_months: int
) -> list[Manifest]:
    """Archive every expired partition of one shard; returns the manifests written."""
    folder.mkdir(parents=True, exist_ok=True)
    existing = await partitions(conn)
    done = []
    for partition in expired(existing, now, retention_months):
        name = existing[partition]
        manifest = await _copy_out(conn, shard, partition, name, folder)
        if _count_rows(folder / manifest.data_file) != manifest.rows:
            raise RuntimeError(f"{name}: the archive does not read back {manifest.rows} rows")
        async with conn.transaction():
            await conn.execute(f'ALTER TABLE {TABLE} DETACH PARTITION "{name}"')
            await conn.execute(f'DROP TABLE "{name}"')
        done.append(manifest)
    return done


async def restore_shard(conn: asyncpg.Connection, folder: Path, period: str) -> int | None:
    """Bring one archived month back; returns its rows, None if nothing was archived."""
    path = next(iter(folder.glob(f"{TABLE}_{period.replace('-', '_')}.manifest.json")), None)
    if path is None:
        return None
    manifest = Manifest(**{**json.loads(path.read_text()), "columns": ()})
    data = (folder / manifest.data_file).read_bytes()
    if hashlib.sha256(data).hexdigest() != manifest.sha256:
        raise RuntimeError(f"{manifest.data_file}: checksum mismatch, refusing to restore")
    year, month = (int(part) for part in period.split("-"))
    async with conn.transaction():
        await conn.execute(create_partition_sql(TABLE, MonthlyPartition(year, month)))
        present = await conn.fetchval(f'SELECT count(*) FROM "{manifest.partition}"')
        if present == 0:
            await conn.copy_to_table(
                manifest.partition, source=io.BytesIO(gzip.decompress(data)),
                columns=list(COLUMNS), format="csv", header=True,
            )  # fmt: skip
        restored = await conn.fetchval(f'SELECT count(*) FROM "{manifest.partition}"')
        await conn.execute(_CLAIM.format(partition=manifest.partition))
        if restored != manifest.rows:
            raise RuntimeError(
                f"{manifest.partition}: {restored} rows, the manifest says {manifest.rows}"
            )
    return int(restored)


async def _copy_out(
    conn: asyncpg.Connection, shard: str, partition: MonthlyPartition, name: str, folder: Path
) -> Manifest:
    buffer = io.BytesIO()
    query = f'SELECT {", ".join(COLUMNS)} FROM "{name}" ORDER BY tenant_id, occurred_at, event_id'
    await conn.copy_from_query(query, output=buffer, format="csv", header=True)
    data = gzip.compress(buffer.getvalue(), mtime=0)
    rows = await conn.fetchval(f'SELECT count(*) FROM "{name}"')
    manifest = Manifest(
        table=TABLE, partition=name, period=f"{partition.year:04d}-{partition.month:02d}",
        shard=shard, rows=int(rows), sha256=hashlib.sha256(data).hexdigest(), bytes=len(data),
        columns=COLUMNS, format="csv+gzip", archived_at=rfc3339(datetime.now(UTC)),
    )  # fmt: skip
    temporary = folder / f"{manifest.data_file}.partial"
    temporary.write_bytes(data)
    temporary.rename(folder / manifest.data_file)
    (folder / f"{name}.manifest.json").write_text(json.dumps(asdict(manifest), indent=2))
    return manifest


def _count_rows(path: Path) -> int:
    with gzip.open(path, "rt", newline="") as lines:
        return sum(1 for _ in lines) - 1  # the header


async def _run(command: str, folder: Path, period: str | None) -> None:
    settings = UsageSettings()
    for shard, server in settings.shards.servers.items():
        conn = await asyncpg.connect(asyncpg_dsn(with_database(server, DATABASE)))
        try:
            if command == "archive":
                manifests = await archive_shard(
                    conn, shard, folder / shard, datetime.now(UTC),
                    settings.retention.retention_months,
                )  # fmt: skip
                for manifest in manifests:
                    print(f"{shard}: archived {manifest.partition} ({manifest.rows} rows)")
            else:
                assert period is not None
                rows = await restore_shard(conn, folder / shard, period)
                if rows is not None:
                    print(f"{shard}: restored {period} ({rows} rows)")
        finally:
            await conn.close()


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m usage.archive")
    parser.add_argument("command", choices=["archive", "restore"])
    parser.add_argument("--dir", type=Path, default=Path(".run/archive/usage"))
    parser.add_argument("--period", help="YYYY-MM, for restore")
    args = parser.parse_args()
    if args.command == "restore" and not args.period:
        parser.error("restore needs --period YYYY-MM")
    asyncio.run(_run(args.command, args.dir, args.period))


if __name__ == "__main__":
    main()
