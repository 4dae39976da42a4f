"""The shard topology's versions in a real directory database (a scratch one: the running
services follow the live one): seeded once, published in order, followed by a process."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import asyncpg
import pytest
from prometheus_client import REGISTRY
from sqlalchemy.ext.asyncio import AsyncEngine

from tessera_common.db.billing_placements import BillingOverrides
from tessera_common.db.billing_placements import metadata as billing_placements_metadata
from tessera_common.db.engines import create_engine
from tessera_common.db.migrations import ensure_database
from tessera_common.db.topology import (
    TopologyConflictError,
    TopologyFollower,
    TopologyStore,
    metadata,
)
from tessera_common.db.urls import asyncpg_dsn, with_database
from tessera_common.sharding.topology import ShardTopology
from tessera_common.vocabulary import Region
from tessera_stack.endpoints import Endpoints

SEED = ShardTopology.seed(
    {"shard-0": "postgresql://tessera@127.0.0.1:1", "shard-1": "postgresql://tessera@127.0.0.1:2"},
    {Region.US_EAST: ["shard-0"], Region.EU_WEST: ["shard-1"], Region.APAC: ["shard-1"]},
)
ADDRESS = "postgresql://tessera@127.0.0.1:3"


@pytest.fixture
async def directory(endpoints: Endpoints) -> AsyncIterator[AsyncEngine]:
    url = with_database(endpoints.directory_db_url, f"topology_test_{uuid.uuid4().hex[:10]}")
    await ensure_database(url)
    engine = create_engine(url, pool_size=2)
    async with engine.begin() as conn:
        await conn.run_sync(metadata.create_all)
        await conn.run_sync(billing_placements_metadata.create_all)
    try:
        yield engine
    finally:
        await engine.dispose()
        conn = await asyncpg.connect(asyncpg_dsn(with_database(url, "postgres")))
        try:
            await conn.execute(f'DROP DATABASE "{url.rsplit("/", 1)[1]}" WITH (FORCE)')
        finally:
            await conn.close()


def follow_seconds_count(service: str) -> float:
    found = REGISTRY.get_sample_value("tessera_topology_follow_seconds_count", {"service": service})
    return found or 0.0


async def test_the_seed_is_written_once_and_a_later_seed_changes_nothing(
    directory: AsyncEngine,
) -> None:
    store = TopologyStore(directory)
    await store.seed(SEED)
    other = ShardTopology.seed({"shard-9": ADDRESS}, {r: ["shard-9"] for r in Region})
    await store.seed(other)
    assert await store.latest() == SEED
    assert [entry["version"] for entry in await store.history()] == [1]


async def test_two_changes_from_one_version_publish_one_and_refuse_the_other(
    directory: AsyncEngine,
) -> None:
    store = TopologyStore(directory)
    await store.seed(SEED)
    first = SEED.with_shard("shard-2", ADDRESS, Region.US_EAST)
    second = SEED.with_shard("shard-3", ADDRESS, Region.APAC)
    await store.publish(first, "first")
    with pytest.raises(TopologyConflictError, match="version 2 was published meanwhile"):
        await store.publish(second, "second")
    assert await store.latest() == first
    assert [entry["reason"] for entry in await store.history()][1:] == ["first"]


async def test_a_follower_takes_each_new_version_and_tells_its_listeners(
    directory: AsyncEngine,
) -> None:
    service = f"test-{uuid.uuid4().hex[:6]}"
    follower = TopologyFollower(TopologyStore(directory), SEED, service=service, poll_seconds=1)
    seen: list[int] = []
    follower.on_change(lambda topology: seen.append(topology.version))

    assert await follower.follow() is False  # seeds the empty directory; nothing changed
    assert follower.current == SEED
    assert follow_seconds_count(service) == 0

    grown = SEED.with_shard("shard-2", ADDRESS, Region.US_EAST)
    await TopologyStore(directory).publish(grown, "shard-add shard-2")
    assert await follower.follow() is True
    assert follower.current == grown
    assert follower.place(uuid.uuid4(), Region.EU_WEST) == "shard-1"
    assert seen == [1, 2]
    assert follow_seconds_count(service) == 1  # the delay from publication was measured
    assert await follower.follow() is False


class FirstReadStale(TopologyStore):
    """A store whose first read of the newest version is an older one: as if another
    change was published between that read and the write."""

    def __init__(self, engine: AsyncEngine) -> None:
        super().__init__(engine)
        self.reads: list[int] = []

    async def latest(self) -> ShardTopology:
        newest = SEED if not self.reads else await super().latest()
        self.reads.append(newest.version)
        return newest


async def test_a_change_is_made_again_from_the_newest_when_its_version_was_taken(
    directory: AsyncEngine,
) -> None:
    await TopologyStore(directory).seed(SEED)
    await TopologyStore(directory).publish(
        SEED.with_shard("shard-2", ADDRESS, None), "shard-add shard-2"
    )
    store = FirstReadStale(directory)
    changed = await store.change(
        lambda latest: latest.with_shard("shard-3", ADDRESS, Region.APAC), "shard-add shard-3"
    )
    assert store.reads == [1, 2]  # version 2 was taken: made again from it
    assert changed.version == 3
    assert {"shard-2", "shard-3"} <= changed.servers.keys()
    assert await store.latest() == changed


async def test_billing_overrides_follow_each_change_since_the_last_poll(
    directory: AsyncEngine,
) -> None:
    overrides = BillingOverrides(directory)
    await overrides.followed()  # the first poll reads every row: none yet
    assert overrides.placed == {}
    moved, other = uuid.uuid4(), uuid.uuid4()
    async with directory.begin() as conn:
        await conn.exec_driver_sql(
            "INSERT INTO billing_placements (tenant_id, shard) VALUES ($1, 'shard-2'), "
            "($2, 'tenant-1')", (moved, other),
        )  # fmt: skip
    await overrides.follow()
    assert overrides.placed == {moved: "shard-2", other: "tenant-1"}
    async with directory.begin() as conn:
        await conn.exec_driver_sql(
            "UPDATE billing_placements SET shard = 'shard-0', updated_at = now() "
            "WHERE tenant_id = $1", (moved,),
        )  # fmt: skip
    await overrides.follow()
    assert overrides.placed == {moved: "shard-0", other: "tenant-1"}
