"""L1: hot documents in process (TTL + LRU), dropped when the projector announces a change."""

from __future__ import annotations

from typing import Any

from cachetools import TTLCache
from prometheus_client import Counter

CACHE_LOOKUPS = Counter(
    "tessera_cache_lookups_total",
    "Read-model lookups by cache layer and outcome.",
    ["service", "layer", "result"],
)


class L1Cache:
    def __init__(self, size: int, ttl_seconds: float) -> None:
        self._entries: TTLCache[str, dict[str, Any]] = TTLCache(size, ttl_seconds)

    def get(self, key: str) -> dict[str, Any] | None:
        found = self._entries.get(key)
        CACHE_LOOKUPS.labels("query", "l1", "hit" if found is not None else "miss").inc()
        return found

    def put(self, key: str, document: dict[str, Any]) -> None:
        self._entries[key] = document

    def evict(self, key: str) -> None:
        self._entries.pop(key, None)

    def clear(self) -> None:
        self._entries.clear()
