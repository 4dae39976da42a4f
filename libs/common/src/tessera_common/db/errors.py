"""A shard (or the directory) that cannot be reached, or is too busy to lend a connection;
the HTTP layer answers both with a 503 and every consumer retries them."""

from __future__ import annotations

from sqlalchemy.exc import TimeoutError as PoolTimeoutError

from tessera_common.db.fences import FENCED_SQLSTATE
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


class TenantMovingError(ShardUnavailableError):
    """The tenant's rows are fenced on this shard: they are being moved to another one, or
    have been (a process that still routes the tenant here learns of it within a second)."""

    reason = "is moving this tenant to another shard"
    retry_after_seconds = 1


def _sqlstate(exc: BaseException | None) -> str | None:
    while exc is not None:
        if isinstance(code := getattr(exc, "sqlstate", None), str):
            return code
        exc = getattr(exc, "orig", None) or exc.__cause__
    return None


def shard_error(shard: str, exc: BaseException) -> ShardUnavailableError | None:
    """What a failure of a statement on `shard` says of the shard, if anything: no pooled
    connection came free in time (busy), none could reach it (unavailable), or it fenced
    the tenant's rows (moving)."""
    if isinstance(exc, PoolTimeoutError):
        return ShardBusyError(shard)
    if _sqlstate(exc) == FENCED_SQLSTATE:
        return TenantMovingError(shard)
    if is_unreachable(exc):
        return ShardUnavailableError(shard)
    return None
