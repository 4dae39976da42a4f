"""A table of rows in an in-memory transaction: what a fake repository keeps its rows in."""

from __future__ import annotations

import copy
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

from tessera_common.domain_errors import ConcurrentUpdateError

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class InMemoryTable(Generic[K, V]):
    """Reads hand out copies and writes store copies, so an object a handler changes is
    in the table only once it is written, as with a database; and like a database row,
    a stored aggregate keeps none of its pending events (the outbox has them)."""

    def __init__(self, rows: dict[K, V], version: Callable[[V], int] | None = None) -> None:
        self._rows = rows
        self._version = version

    def get(self, key: K) -> V | None:
        row = self._rows.get(key)
        return None if row is None else copy.deepcopy(row)

    def rows(self) -> list[V]:
        return [copy.deepcopy(row) for row in self._rows.values()]

    def insert(self, key: K, row: V, duplicate: Exception | None = None) -> None:
        if key in self._rows:
            raise duplicate or KeyError(key)
        self._rows[key] = _stored(row)

    def update(self, key: K, row: V, expected_version: int | None = None) -> None:
        """Write `row` over the one stored, if it still has `expected_version`."""
        self._check(key, expected_version)
        self._rows[key] = _stored(row)

    def delete(self, key: K, expected_version: int | None = None) -> None:
        self._check(key, expected_version)
        del self._rows[key]

    def _check(self, key: K, expected_version: int | None) -> None:
        stored = self._rows.get(key)
        if stored is None:
            raise ConcurrentUpdateError(f"{key} is gone")
        if expected_version is None or self._version is None:
            return
        if self._version(stored) != expected_version:
            raise ConcurrentUpdateError(f"{key} changed concurrently")


def _stored(row: V) -> V:
    stored = copy.deepcopy(row)
    pending = getattr(stored, "events", None)
    if isinstance(pending, list):
        pending.clear()
    return stored
