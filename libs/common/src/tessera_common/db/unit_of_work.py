"""One transaction on one shard: the aggregate's rows and its outbox rows commit together."""

from __future__ import annotations

from collections.abc import Iterable
from types import TracebackType
from typing import Self

from sqlalchemy.ext.asyncio import AsyncConnection

from tessera_common.db.engines import ShardEngines
from tessera_common.db.errors import ShardUnavailableError, is_unreachable
from tessera_common.events.envelope import EventEnvelope
from tessera_common.idempotency.guard import IdempotencyGuard, StoredResponse
from tessera_common.outbox.writer import write_outbox


class ShardUnitOfWork:
    """Use as `async with uow: ...; await uow.commit()`; leaving without commit rolls back."""

    def __init__(
        self,
        engines: ShardEngines,
        shard: str,
        topic: str,
        guard: IdempotencyGuard | None = None,
    ) -> None:
        self.shard = shard
        self._engine = engines[shard]
        self._topic = topic
        self._guard = guard
        self._events: list[EventEnvelope] = []
        self._connection: AsyncConnection | None = None

    @property
    def connection(self) -> AsyncConnection:
        if self._connection is None:
            raise RuntimeError("the unit of work is not open")
        return self._connection

    async def __aenter__(self) -> Self:
        try:
            self._connection = await self._engine.connect()
            await self._connection.begin()
            if self._guard is not None:
                await self._guard.claim(self._connection)
        except BaseException as exc:
            await self.__aexit__(type(exc), exc, exc.__traceback__)
            raise
        return self

    def publish(self, events: Iterable[EventEnvelope]) -> None:
        """Queue integration events; they are written to the outbox at commit."""
        self._events.extend(events)

    async def commit(self, response: StoredResponse | None = None) -> None:
        """Outbox rows, the idempotency record (with its response), then COMMIT."""
        await write_outbox(self.connection, self._topic, self._events)
        if self._guard is not None:
            if response is None:
                raise RuntimeError("a command under an Idempotency-Key must record its response")
            await self._guard.record(self.connection, response)
        await self.connection.commit()
        self._events.clear()

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        conn, self._connection = self._connection, None
        if conn is not None:
            try:
                if conn.in_transaction():
                    await conn.rollback()
                await conn.close()
            except Exception:
                pass
        if exc is not None and not isinstance(exc, ShardUnavailableError) and is_unreachable(exc):
            raise ShardUnavailableError(self.shard) from exc
