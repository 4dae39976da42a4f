"""Archive an expired monthly partition to a compressed file with a manifest, and restore it."""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import asyncpg
import pytest

from tessera_common.db.urls import asyncpg_dsn, with_database
from tessera_common.sharding.time_partitions import MonthlyPartition, create_partition_sql
from tessera_stack.endpoints import Endpoints
from usage.archive import archive_shard, partitions, restore_shard

OLD = MonthlyPartition(2023, 2)  # far older than any retention window
FINGERPRINT = """
SELECT count(*) AS rows, md5(string_agg(event_id::text || quantity::text, ',' ORDER BY event_id))
FROM usage_records WHERE occurred_at >= $1 AND occurred_at < $2
"""


@pytest.fixture
async def shard(endpoints: Endpoints) -> AsyncIterator[asyncpg.Connection]:
    server = next(iter(endpoints.shard_servers.values()))
    conn = await asyncpg.connect(asyncpg_dsn(with_database(server, "usage")))
    yield conn
    await conn.execute(f'DROP TABLE IF EXISTS "{OLD.name("usage_records")}"')
    await conn.close()


async def test_an_expired_month_is_archived_verified_dropped_and_restored(
    shard: asyncpg.Connection, tmp_path: Path
) -> None:
    await shard.execute(create_partition_sql("usage_records", OLD))
    tenant = uuid.uuid4()
    await shard.executemany(
        "INSERT INTO usage_records (tenant_id, event_id, meter, quantity, occurred_at) "
        "VALUES ($1, $2, 'api_calls', $3, $4)",
        [(tenant, uuid.uuid4(), n + 1, datetime(2023, 2, 1 + n % 27, tzinfo=UTC))
         for n in range(1_500)],
    )  # fmt: skip
    before = await shard.fetchrow(FINGERPRINT, OLD.start, OLD.end)

    manifests = await archive_shard(shard, "shard-x", tmp_path, datetime.now(UTC), 13)

    (manifest,) = [m for m in manifests if m.period == "2023-02"]
    assert manifest.rows == 1_500
    data = (tmp_path / manifest.data_file).read_bytes()
    assert hashlib.sha256(data).hexdigest() == manifest.sha256
    on_disk = json.loads((tmp_path / f"{manifest.partition}.manifest.json").read_text())
    assert on_disk["rows"] == 1_500
    assert on_disk["format"] == "csv+gzip"
    assert OLD not in await partitions(shard)  # detached and dropped
    assert (await shard.fetchrow(FINGERPRINT, OLD.start, OLD.end))["rows"] == 0

    assert await restore_shard(shard, tmp_path, "2023-02") == 1_500
    assert await shard.fetchrow(FINGERPRINT, OLD.start, OLD.end) == before
    assert await restore_shard(shard, tmp_path, "2023-02") == 1_500  # idempotent


async def test_a_tampered_archive_is_refused(shard: asyncpg.Connection, tmp_path: Path) -> None:
    await shard.execute(create_partition_sql("usage_records", OLD))
    await shard.execute(
        "INSERT INTO usage_records (tenant_id, event_id, meter, quantity, occurred_at) "
        "VALUES ($1, $2, 'seats', 3, $3)", uuid.uuid4(), uuid.uuid4(), OLD.start,
    )  # fmt: skip
    (manifest,) = [
        m
        for m in await archive_shard(shard, "shard-x", tmp_path, datetime.now(UTC), 13)
        if m.period == "2023-02"
    ]
    data = tmp_path / manifest.data_file
    data.write_bytes(data.read_bytes() + b"\x00")
    with pytest.raises(RuntimeError, match="checksum"):
        await restore_shard(shard, tmp_path, "2023-02")
    assert OLD not in await partitions(shard)


async def test_months_inside_the_retention_window_are_kept(
    shard: asyncpg.Connection, tmp_path: Path
) -> None:
    kept_before = set(await partitions(shard))
    await archive_shard(shard, "shard-x", tmp_path, datetime.now(UTC), 13)
    assert set(await partitions(shard)) == kept_before
