"""Database failures that mean "this shard is unreachable", as a 503 problem."""

from __future__ import annotations

import asyncpg
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError

from tessera_common.problems import Problem


class ShardUnavailableError(Problem):
    def __init__(self, shard: str) -> None:
        super().__init__(
            503,
            "shard-unavailable",
            "Shard unavailable",
            f"the database shard {shard} holding this tenant is unreachable; retry later",
            headers={"Retry-After": "5"},
            shard=shard,
        )


def is_unreachable(exc: BaseException) -> bool:
    """True for connection-level failures, False for query errors (constraints, syntax)."""
    if isinstance(exc, OSError | TimeoutError | asyncpg.CannotConnectNowError):
        return True
    if isinstance(exc, asyncpg.ConnectionDoesNotExistError | asyncpg.InterfaceError):
        return True
    if isinstance(exc, OperationalError | InterfaceError):
        return True
    if isinstance(exc, DBAPIError):
        return bool(exc.connection_invalidated) or is_unreachable(exc.orig or Exception())
    cause = exc.__cause__
    return cause is not None and cause is not exc and is_unreachable(cause)
