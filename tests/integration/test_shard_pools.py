"""A shard's pool, on a real server: a command that gets no connection within the pool's
timeout is told the shard is busy (a 503 to retry soon), not an internal error."""

from __future__ import annotations

import pytest
from sqlalchemy.ext.asyncio import create_async_engine

from tessera_common.db.engines import ShardEngines
from tessera_common.db.errors import ShardBusyError
from tessera_common.db.transaction import ShardTransaction
from tessera_common.db.urls import sqlalchemy_async_url, with_database
from tessera_stack.endpoints import Endpoints


async def test_a_pool_with_every_connection_in_use_is_a_busy_shard(endpoints: Endpoints) -> None:
    shard, server = sorted(endpoints.shard_servers.items())[0]
    engine = create_async_engine(
        sqlalchemy_async_url(with_database(server, "accounts")),
        pool_size=1, max_overflow=0, pool_timeout=0.2,
    )  # fmt: skip
    engines = ShardEngines({shard: engine})
    try:
        async with ShardTransaction(engines, shard) as held:
            await held.exec_driver_sql("SELECT 1")
            with pytest.raises(ShardBusyError) as busy:
                async with ShardTransaction(engines, shard):
                    pass
        assert busy.value.shard == shard
        async with ShardTransaction(engines, shard) as freed:  # given back: lent again
            assert (await freed.exec_driver_sql("SELECT 1")).scalar() == 1
    finally:
        await engines.dispose()
