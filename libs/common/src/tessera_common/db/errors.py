"""A shard (or the directory) that cannot be reached, or is too busy to lend a connection;
the HTTP layer answers both with a 503 and every consumer retries them."""

from __future__ import annotations

from sqlalchemy.exc import TimeoutError as PoolTimeoutError

from tessera_common.store_errors import is_unreachable


class ShardUnavailableError(Exception):
    reason = "is unreachable"
    retry_after_seconds = 5

    def __init__(self, shard: str) -> None:
        super().__init__(f"the database shard {shard} {self.reason}")
        self.shard = shard


class StaleConnectionError(ShardUnavailableError):
    """A pooled connection was found closed before its transaction sent COMMIT: the server
    restarted, or dropped the link, since the connection was last used. Nothing took
    effect, and the pool has dropped every connection of that age, so the work can run
    once more on a fresh one (the pools do not test a connection before lending it)."""


class ShardBusyError(ShardUnavailableError):
    """Every pooled connection to the shard stayed in use for the pool's whole timeout: the
    service is saturated, not the shard down (a 503 worth retrying soon, never a 500)."""

    reason = "is busy: every connection to it is in use"
    retry_after_seconds = 1


def shard_error(shard: str, exc: BaseException) -> ShardUnavailableError | None:
    """What a failure of a statement on `shard` says of the shard, if anything: no pooled
    connection came free in time (busy), or none could reach it (unavailable)."""
    if isinstance(exc, PoolTimeoutError):
        return ShardBusyError(shard)
    if is_unreachable(exc):
        return ShardUnavailableError(shard)
    return None
