"""Every shard in memory, and the unit of work over it: the kit's commit order, no database."""

from __future__ import annotations

import copy
import uuid
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from tessera_common.commands.unit_of_work import CommandUnitOfWork, Origin
from tessera_common.events.envelope import EventEnvelope
from tessera_common.idempotency.guard import (
    IdempotencyGuard,
    IdempotencyKeyReusedError,
    IdempotentReplayError,
    StoredResponse,
)


@dataclass
class KeyRecord:
    request_hash: str
    response: StoredResponse | None = None  # None while the claiming transaction is open


@dataclass
class ShardState:
    """One shard: its tables by name, its outbox, its idempotency records, its inbox."""

    tables: defaultdict[str, dict[Any, Any]] = field(default_factory=lambda: defaultdict(dict))
    outbox: list[tuple[str, EventEnvelope]] = field(default_factory=list)
    keys: dict[tuple[str, str], KeyRecord] = field(default_factory=dict)
    inbox: set[tuple[str, uuid.UUID]] = field(default_factory=set)


class InMemoryShards:
    """What every shard holds as committed."""

    def __init__(self) -> None:
        self._committed: defaultdict[str, ShardState] = defaultdict(ShardState)

    def __getitem__(self, shard: str) -> ShardState:
        return self._committed[shard]

    def __setitem__(self, shard: str, state: ShardState) -> None:
        self._committed[shard] = state

    def published(self, topic: str | None = None) -> list[EventEnvelope]:
        """Every event committed to an outbox (of `topic`), shard by shard."""
        return [
            event
            for state in self._committed.values()
            for written_to, event in state.outbox
            if topic is None or written_to == topic
        ]

    def responses(self) -> dict[str, StoredResponse]:
        """The responses recorded under each Idempotency-Key."""
        return {
            key: record.response
            for state in self._committed.values()
            for (_, key), record in state.keys.items()
            if record.response is not None
        }


class InMemoryUnitOfWork(CommandUnitOfWork):
    """Works on a copy of the shard it opens on; a commit makes the copy the shard's."""

    def __init__(self, shards: InMemoryShards, origin: Origin) -> None:
        super().__init__(origin)
        self.shards = shards
        self._state: ShardState | None = None

    @property
    def state(self) -> ShardState:
        if self._state is None:
            raise RuntimeError("open the unit of work on a shard first")
        return self._state

    def _on(self) -> ShardState:
        return self.state

    async def _begin(self, shard: str) -> None:
        self._state = copy.deepcopy(self.shards[shard])

    async def _claim(self, guard: IdempotencyGuard) -> None:
        record = self.state.keys.get((guard.scope, guard.key))
        if record is None:
            self.state.keys[(guard.scope, guard.key)] = KeyRecord(guard.request_hash)
            return
        if record.request_hash != guard.request_hash:
            raise IdempotencyKeyReusedError(guard.key)
        assert record.response is not None  # committed records have their response
        raise IdempotentReplayError(record.response)

    async def _first_deliveries(
        self, consumer: str, events: Mapping[uuid.UUID, uuid.UUID | None]
    ) -> frozenset[uuid.UUID]:
        fresh = frozenset(i for i in events if (consumer, i) not in self.state.inbox)
        self.state.inbox.update((consumer, event_id) for event_id in fresh)
        return fresh

    async def _write(self, events: list[EventEnvelope], response: StoredResponse | None) -> None:
        self.state.outbox.extend((self.publishes.topic, event) for event in events)
        if self.origin.guard is not None:
            record = self.state.keys[(self.origin.guard.scope, self.origin.guard.key)]
            record.response = response

    async def _end(self, commit: bool, exc: BaseException | None) -> None:
        state, self._state = self._state, None
        if commit and state is not None and self.shard is not None:
            self.shards[self.shard] = state
