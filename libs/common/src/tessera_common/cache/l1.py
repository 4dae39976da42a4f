"""L1: hot answers in process (TTL + LRU), dropped when the projector announces a change."""

from __future__ import annotations

import itertools
from typing import Generic, TypeVar

from cachetools import TTLCache

from tessera_common.observability.metrics import record_cache_lookup

V = TypeVar("V")


class L1Cache(Generic[V]):
    """A read takes a ticket before it goes to the layer behind; its result is kept only
    if no invalidation of that key came in meanwhile (else a stale value, read just
    before the projector's write, would outlive the invalidation that replaced it)."""

    def __init__(self, size: int, ttl_seconds: float, *, service: str, layer: str = "l1") -> None:
        self._entries: TTLCache[str, V] = TTLCache(size, ttl_seconds)
        self._invalidated: TTLCache[str, int] = TTLCache(size, ttl_seconds)
        self._clock = itertools.count(1)
        self._cleared_at = 0
        self._service = service
        self._layer = layer

    def get(self, key: str) -> V | None:
        found = self._entries.get(key)
        record_cache_lookup(self._service, self._layer, hit=found is not None)
        return found

    def peek(self, key: str) -> V | None:
        """The kept value, its lookup not counted (for callers that count their own)."""
        return self._entries.get(key)

    def ticket(self) -> int:
        return next(self._clock)

    def put(self, key: str, value: V, ticket: int) -> None:
        if ticket > max(self._cleared_at, self._invalidated.get(key, 0)):
            self._entries[key] = value

    def evict(self, key: str) -> None:
        self._entries.pop(key, None)
        self._invalidated[key] = next(self._clock)

    def clear(self) -> None:
        self._entries.clear()
        self._cleared_at = next(self._clock)
