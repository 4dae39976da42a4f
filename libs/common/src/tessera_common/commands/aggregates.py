"""The aggregates a repository handed out or took in during one unit of work.

As in cosmicpython's `repository.seen`: the unit of work asks each repository what it has
seen, saves the aggregates whose version moved and collects their new events, so a handler
never has to remember either.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any, Generic, Protocol, TypeVar, runtime_checkable


class HasEvents(Protocol):
    @property
    def events(self) -> list[Any]:
        """New domain events, oldest first; the unit of work drains them."""
        ...


class Versioned(HasEvents, Protocol):
    @property
    def version(self) -> int: ...


A = TypeVar("A", bound=Versioned)


@runtime_checkable
class Repository(Protocol):
    """A repository of aggregates: what it has seen is saved and publishes at commit."""

    @property
    def seen(self) -> Iterable[HasEvents]: ...

    async def save_changes(self) -> None:
        """Write every aggregate seen whose version moved since it was read."""
        ...


class Seen(Generic[A]):
    """Aggregates with the version each had when the repository handed it out or took it in."""

    def __init__(self) -> None:
        self._read_at: dict[int, tuple[A, int]] = {}

    def add(self, aggregate: A) -> A:
        self._read_at.setdefault(id(aggregate), (aggregate, aggregate.version))
        return aggregate

    def __iter__(self) -> Iterator[A]:
        return (aggregate for aggregate, _ in self._read_at.values())

    def changed(self) -> list[tuple[A, int]]:
        """Each aggregate whose version moved, with the version it was read at."""
        return [(a, read) for a, read in self._read_at.values() if a.version != read]
