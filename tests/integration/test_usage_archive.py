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
from support import Api, bearer, usage_record

from tessera_common.db.urls import asyncpg_dsn, with_database
from tessera_common.sharding.time_partitions import MonthlyPartition, create_partition_sql
from tessera_stack.endpoints import Endpoints
from usage.archive import archive_shard, partitions, restore_shard

OLD = MonthlyPartition(2023, 2)  # far older than any retention window
EU_WEST_SHARD = "shard-2"
FINGERPRINT = """
SELECT count(*) AS rows, md5(string_agg(event_id::text || quantity::text, ',' ORDER BY event_id))
FROM usage_records WHERE occurred_at >= $1 AND occurred_at < $2
"""


CLAIMED = """
SELECT count(*) FROM usage_event_ids WHERE occurred_at >= $1 AND occurred_at < $2
"""


@pytest.fixture
async def shard(endpoints: Endpoints) -> AsyncIterator[asyncpg.Connection]:
    """The usage database of shard-2, where eu-west tenants live."""
    server = endpoints.shard_servers[EU_WEST_SHARD]
    conn = await asyncpg.connect(asyncpg_dsn(with_database(server, "usage")))
    yield conn
    await conn.execute(f'DROP TABLE IF EXISTS "{OLD.name("usage_records")}"')
    await conn.execute(
        "DELETE FROM usage_event_ids WHERE occurred_at >= $1 AND occurred_at < $2",
        OLD.start, OLD.end,
    )  # fmt: skip
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
    # Rows written without their claims (as before the claims table) are claimed on restore.
    assert await shard.fetchval(CLAIMED, OLD.start, OLD.end) == 1_500
    assert await restore_shard(shard, tmp_path, "2023-02") == 1_500  # idempotent
    assert await shard.fetchval(CLAIMED, OLD.start, OLD.end) == 1_500


async def test_an_event_id_of_an_archived_month_stays_refused(
    shard: asyncpg.Connection, api: Api, tmp_path: Path
) -> None:
    tenant = await api.tenant(region="eu-west", name="Cold")
    assert tenant["shard"] == EU_WEST_SHARD
    event_id = uuid.uuid4()
    stored = await api.gateway.post(
        "/v1/usage", json={"records": [{**usage_record(3), "event_id": str(event_id)}]},
        headers=bearer(tenant["api_key"]),
    )  # fmt: skip
    assert stored.json() == {"accepted": 1, "duplicates": 0}
    # As if the record had been stored long ago: moved, with its claim, into an expired month.
    await shard.execute(create_partition_sql("usage_records", OLD))
    async with shard.transaction():
        moved = await shard.execute(
            "WITH gone AS (DELETE FROM usage_records WHERE tenant_id = $1 AND event_id = $2 "
            "RETURNING tenant_id, event_id, meter, quantity) "
            "INSERT INTO usage_records (tenant_id, event_id, meter, quantity, occurred_at) "
            "SELECT tenant_id, event_id, meter, quantity, $3 FROM gone",
            uuid.UUID(tenant["tenant_id"]), event_id, OLD.start,
        )  # fmt: skip
        assert moved == "INSERT 0 1"
        await shard.execute(
            "UPDATE usage_event_ids SET occurred_at = $3 WHERE tenant_id = $1 AND event_id = $2",
            uuid.UUID(tenant["tenant_id"]), event_id, OLD.start,
        )  # fmt: skip
    (manifest,) = [
        m
        for m in await archive_shard(shard, "shard-x", tmp_path, datetime.now(UTC), 13)
        if m.period == "2023-02"
    ]
    assert manifest.rows == 1
    assert OLD not in await partitions(shard)

    again = await api.gateway.post(
        "/v1/usage", json={"records": [{**usage_record(3), "event_id": str(event_id)}]},
        headers=bearer(tenant["api_key"]),
    )  # fmt: skip
    assert again.json() == {"accepted": 0, "duplicates": 1}


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
