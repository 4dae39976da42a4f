"""A shard (or the directory) that cannot be reached; the HTTP layer answers it with a 503."""

from __future__ import annotations


class ShardUnavailableError(Exception):
    def __init__(self, shard: str) -> None:
        super().__init__(f"the database shard {shard} is unreachable")
        self.shard = shard
