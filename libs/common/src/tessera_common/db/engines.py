"""One async engine (an asyncpg pool) per shard, for one service's database."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping

from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from tessera_common.db.urls import sqlalchemy_async_url, with_database
from tessera_common.observability.database import time_engine_queries
from tessera_common.observability.tracing import trace_engine
from tessera_common.settings import ShardSettings
from tessera_common.sharding.geo import UnknownShardError


def create_engine(
    url: str,
    pool_size: int,
    *,
    service: str | None = None,
    shard: str | None = None,
    pre_ping: bool = True,
) -> AsyncEngine:
    """A pooled engine; with `service` and `shard`, its statements are timed and traced.

    `pre_ping` tests each connection as it is lent (three round trips with asyncpg: BEGIN,
    an empty statement, ROLLBACK). Without it, a connection the server closed meanwhile
    fails its first statement, which invalidates the whole pool: the shards' units of
    work then run once more (StaleConnectionError), and `ping` asks again."""
    engine = create_async_engine(
        sqlalchemy_async_url(url),
        pool_size=pool_size,
        max_overflow=pool_size,
        pool_pre_ping=pre_ping,
        pool_timeout=5,
        connect_args={"timeout": 3, "command_timeout": 10},
    )
    if service and shard:
        time_engine_queries(engine, service, shard)
        trace_engine(engine)
    return engine


class ShardEngines:
    """The engines of one service database on every shard server."""

    def __init__(
        self, engines: Mapping[str, AsyncEngine], *, database: str = "", pool_size: int = 1
    ) -> None:
        self._engines = dict(engines)
        self._urls: dict[str, str] = {}
        self._database = database  # what `follow` connects new shards' engines to
        self._pool_size = pool_size
        self._retiring: set[asyncio.Task[None]] = set()

    @classmethod
    def connect(cls, settings: ShardSettings, database: str) -> ShardEngines:
        engines = cls({}, database=database, pool_size=settings.pool_size)
        engines.follow(settings.servers)
        return engines

    def follow(self, servers: Mapping[str, str]) -> list[str]:
        """An engine for each server not known yet (shard -> server URL); the shards whose
        engine is new.

        A shard whose server moved gets a new engine; the old one's connections close as
        they come back. Shards are never dropped here: their tenants move away first."""
        changed = []
        for name, url in servers.items():
            if self._urls.get(name) == url:
                continue
            changed.append(name)
            previous = self._engines.get(name)
            self._engines[name] = create_engine(
                with_database(url, self._database), self._pool_size,
                service=self._database, shard=name, pre_ping=False,
            )  # fmt: skip
            self._urls[name] = url
            if previous is not None:  # closes its idle connections now, the rest as they return
                retiring = asyncio.get_running_loop().create_task(previous.dispose())
                self._retiring.add(retiring)
                retiring.add_done_callback(self._retiring.discard)
        return changed

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
    one statement in autocommit, without the BEGIN and ROLLBACK around it that a statement
    in a transaction costs. A connection found closed invalidates the pool; the second try
    connects afresh."""
    for attempt in (1, 2):
        try:
            async with engine.connect() as conn:
                autocommit = await conn.execution_options(isolation_level="AUTOCOMMIT")
                await autocommit.exec_driver_sql("SELECT 1")
            return
        except DBAPIError as exc:
            if attempt == 2 or not exc.connection_invalidated:
                raise
