"""Which failures of a Postgres store mean "it could not be reached", not "the data is wrong".

The command services answer the first with a 503 (db/errors); every consumer retries it
(consumer_policies). Query errors (constraints, syntax) are the data's fault.
"""

from __future__ import annotations

import asyncpg
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError


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
