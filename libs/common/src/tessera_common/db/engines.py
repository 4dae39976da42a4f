"""One async engine (an asyncpg pool) per shard, for one service's database."""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from tessera_common.db.urls import sqlalchemy_async_url, with_database
from tessera_common.observability.database import time_engine_queries
from tessera_common.observability.tracing import trace_engine
from tessera_common.settings import ShardSettings
from tessera_common.sharding.geo import UnknownShardError


def create_engine(
    url: str, pool_size: int, *, service: str | None = None, shard: str | None = None
) -> AsyncEngine:
    """A pooled engine; with `service` and `shard`, its statements are timed and traced."""
    engine = create_async_engine(
        sqlalchemy_async_url(url),
        pool_size=pool_size,
        max_overflow=pool_size,
        pool_pre_ping=True,
        pool_timeout=5,
        connect_args={"timeout": 3, "command_timeout": 10},
    )
    if service and shard:
        time_engine_queries(engine, service, shard)
        trace_engine(engine)
    return engine


class ShardEngines:
    """The engines of one service database on every shard server."""

    def __init__(self, engines: Mapping[str, AsyncEngine]) -> None:
        self._engines = dict(engines)

    @classmethod
    def connect(cls, settings: ShardSettings, database: str) -> ShardEngines:
        return cls(
            {
                name: create_engine(
                    with_database(url, database), settings.pool_size, service=database, shard=name
                )
                for name, url in settings.servers.items()
            }
        )

    @property
    def names(self) -> list[str]:
        return sorted(self._engines)

    def __getitem__(self, shard: str) -> AsyncEngine:
        try:
            return self._engines[shard]
        except KeyError:
            raise UnknownShardError(shard) from None

    async def ping(self, shard: str) -> None:
        await ping(self[shard])

    async def dispose(self) -> None:
        for engine in self._engines.values():
            await engine.dispose()


async def ping(engine: AsyncEngine) -> None:
    """A pooled connection answers (a readiness probe's question, asked every few seconds):
    one statement on the driver's connection, without the BEGIN and ROLLBACK around it that
    a statement through SQLAlchemy would cost."""
    async with engine.connect() as conn:
        raw = await conn.get_raw_connection()
        await raw.driver_connection.fetchval("SELECT 1")  # type: ignore[union-attr]
