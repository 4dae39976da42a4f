"""A shard (or the directory) that cannot be reached; the HTTP layer answers it with a 503."""

from __future__ import annotations


class ShardUnavailableError(Exception):
    def __init__(self, shard: str) -> None:
        super().__init__(f"the database shard {shard} is unreachable")
        self.shard = shard


class StaleConnectionError(ShardUnavailableError):
    """A pooled connection was found closed before its transaction sent COMMIT: the server
    restarted, or dropped the link, since the connection was last used. Nothing took
    effect, and the pool has dropped every connection of that age, so the work can run
    once more on a fresh one (the pools do not test a connection before lending it)."""
