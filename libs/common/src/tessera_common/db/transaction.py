"""One transaction on one shard; a shard that cannot be reached (or lend a connection) is a
ShardUnavailableError."""

from __future__ import annotations

from types import TracebackType

from sqlalchemy.ext.asyncio import AsyncConnection

from tessera_common.db.engines import ShardEngines
from tessera_common.db.errors import ShardUnavailableError, StaleConnectionError, shard_error


class ShardTransaction:
    """`async with transaction as conn: ...; await transaction.commit()`, for a
    `transaction = ShardTransaction(engines, shard)`; leaving without a commit rolls back."""

    def __init__(self, engines: ShardEngines, shard: str) -> None:
        self.shard = shard
        self._engine = engines[shard]
        self._connection: AsyncConnection | None = None
        self._committing = False

    @property
    def connection(self) -> AsyncConnection:
        if self._connection is None:
            raise RuntimeError("the transaction is not open")
        return self._connection

    async def __aenter__(self) -> AsyncConnection:
        try:
            self._connection = await self._engine.connect()
            await self._connection.begin()
        except BaseException as exc:
            await self.__aexit__(type(exc), exc, exc.__traceback__)
            raise
        return self._connection

    async def commit(self) -> None:
        self._committing = True
        await self.connection.commit()

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        """Roll back what was not committed, give the connection back, and name the shard
        of a failure to reach it: a StaleConnectionError if the connection was lost before
        COMMIT was sent (the transaction cannot have taken effect), a ShardBusyError if no
        pooled connection came free in time."""
        conn, self._connection = self._connection, None
        if conn is not None:
            try:
                if conn.in_transaction():
                    await conn.rollback()
                await conn.close()
            except Exception:
                pass
        if exc is None or isinstance(exc, ShardUnavailableError):
            return
        if not self._committing and _connection_lost(exc):
            raise StaleConnectionError(self.shard) from exc
        if (error := shard_error(self.shard, exc)) is not None:
            raise error from exc


def _connection_lost(exc: BaseException | None) -> bool:
    """The statement found its connection closed (SQLAlchemy invalidated it, and the pool
    with it), as opposed to failing to connect at all."""
    while exc is not None:
        if getattr(exc, "connection_invalidated", False):
            return True
        exc = exc.__cause__
    return False
