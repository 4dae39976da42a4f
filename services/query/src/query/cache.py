"""L1: hot documents in process (TTL + LRU), dropped when the projector announces a change."""

from __future__ import annotations

import itertools
from typing import Any

from cachetools import TTLCache

from tessera_common.observability.metrics import record_cache_lookup


class L1Cache:
    """A read takes a ticket before it goes to L2; its result is kept only if no
    invalidation of that key came in meanwhile (else a stale L2 value, read just
    before the projector's write, would outlive the invalidation that replaced it)."""

    def __init__(self, size: int, ttl_seconds: float) -> None:
        self._entries: TTLCache[str, dict[str, Any]] = TTLCache(size, ttl_seconds)
        self._invalidated: TTLCache[str, int] = TTLCache(size, ttl_seconds)
        self._clock = itertools.count(1)
        self._cleared_at = 0

    def get(self, key: str) -> dict[str, Any] | None:
        found = self._entries.get(key)
        record_cache_lookup("query", "l1", hit=found is not None)
        return found

    def ticket(self) -> int:
        return next(self._clock)

    def put(self, key: str, document: dict[str, Any], ticket: int) -> None:
        if ticket > max(self._cleared_at, self._invalidated.get(key, 0)):
            self._entries[key] = document

    def evict(self, key: str) -> None:
        self._entries.pop(key, None)
        self._invalidated[key] = next(self._clock)

    def clear(self) -> None:
        self._entries.clear()
        self._cleared_at = next(self._clock)
