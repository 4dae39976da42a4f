"""A command's unit of work: one transaction on one shard, committed with its consequences.

At commit it saves the aggregates its repositories have seen and changed, wraps their new
domain events in envelopes for the outbox and, under an Idempotency-Key, records the
response: the rows, the events and the response commit together or not at all.

`CommandUnitOfWork` is that order of things; `ShardUnitOfWork` keeps it on Postgres, and
`tessera_common.testing` keeps it in memory for the handlers' unit tests. A service's unit
of work only declares what it publishes and its repositories, as annotated attributes:

    class AccountsUnitOfWork(ShardUnitOfWork):
        publishes = Publication(ACCOUNTS_EVENTS, integration_event)
        tenants: TenantRepository
        users: UserRepository

Each repository is built on the open transaction (its constructor takes the connection);
those that keep aggregates (`seen`, `save_changes`) save them and publish their events.
"""

from __future__ import annotations

import inspect
import uuid
from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from types import TracebackType
from typing import Any, ClassVar, Self, get_type_hints

from sqlalchemy.ext.asyncio import AsyncConnection

from tessera_common.commands.aggregates import Repository
from tessera_common.db.engines import ShardEngines
from tessera_common.db.transaction import ShardTransaction
from tessera_common.events.envelope import EventEnvelope, IntegrationEvent
from tessera_common.idempotency.guard import IdempotencyGuard, StoredResponse
from tessera_common.inbox import first_deliveries
from tessera_common.outbox.writer import write_outbox

# A service's explicit mapping of one domain event to its published contract.
ToIntegration = Callable[[Any], IntegrationEvent]
# The response of a keyed command, rendered from the events its transaction publishes.
KeyedResponse = Callable[[list[EventEnvelope]], StoredResponse]


@dataclass(frozen=True)
class Origin:
    """Why a command runs: a request (its id, its Idempotency-Key) or the events it reacts
    to (recorded in the consumer's inbox, so a redelivery changes nothing)."""

    correlation_id: uuid.UUID
    causation_id: uuid.UUID | None = None
    guard: IdempotencyGuard | None = None
    consumer: str | None = None
    # A reaction to several events at once: their ids (the first is `causation_id`).
    batch: tuple[uuid.UUID, ...] = ()
    # The tenants of the events answered, in their order (the inbox records them).
    tenants: tuple[uuid.UUID, ...] = ()

    @classmethod
    def reaction(cls, event: EventEnvelope, consumer: str) -> Origin:
        return cls(
            event.correlation_id, causation_id=event.event_id, consumer=consumer,
            tenants=(event.tenant_id,),
        )  # fmt: skip

    @classmethod
    def reaction_to_many(cls, events: Sequence[EventEnvelope], consumer: str) -> Origin:
        """One transaction answering several events, each recorded in the inbox."""
        first, batch = events[0], tuple(event.event_id for event in events)
        tenants = tuple(event.tenant_id for event in events)
        return cls(
            first.correlation_id, first.event_id, consumer=consumer, batch=batch, tenants=tenants
        )

    @property
    def answers(self) -> tuple[uuid.UUID, ...]:
        """The events a reaction answers."""
        return self.batch or ((self.causation_id,) if self.causation_id is not None else ())

    @property
    def answered(self) -> dict[uuid.UUID, uuid.UUID | None]:
        """Each event a reaction answers, and its tenant (None when not known)."""
        answers = self.answers
        tenants = self.tenants if len(self.tenants) == len(answers) else (None,) * len(answers)
        return dict(zip(answers, tenants, strict=True))

    @classmethod
    def scheduled(cls) -> Origin:
        """A command the service gives itself (a scan): a correlation id of its own."""
        return cls(uuid.uuid4())


@dataclass(frozen=True)
class Publication:
    """Where a service's events go, and how each of its domain events becomes a contract."""

    topic: str
    to_integration: ToIntegration


class AlreadyAppliedError(Exception):
    """The event a reaction answers is in the consumer's inbox: it took effect before."""


class CommandUnitOfWork(ABC):
    """`open(shard)`, then the repositories read and write there; `commit` saves, publishes
    and records; leaving without a commit rolls everything back."""

    publishes: ClassVar[Publication]
    _repository_types: ClassVar[dict[str, type[Any]]] = {}

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        declared = inspect.get_annotations(cls)  # the class's own, not its bases'
        hints = get_type_hints(cls) if declared else {}
        cls._repository_types = {name: hints[name] for name in declared}

    def __init__(self, origin: Origin) -> None:
        self.origin = origin
        self.shard: str | None = None  # the shard of the open transaction
        self._opened_before = False
        self.committed = False  # a transaction of this unit of work has committed
        self._publishing: list[Repository] = []
        # Of the events a reaction answers, those applied for the first time here.
        self.first_deliveries: frozenset[uuid.UUID] = frozenset()

    def _bind(self) -> None:
        """Build the declared repositories on the open transaction."""
        self._publishing = []
        for name, repository_type in self._repository_types.items():
            repository = repository_type(self._on())
            setattr(self, name, repository)
            if isinstance(repository, Repository):
                self._publishing.append(repository)

    # What a store adds: its transaction.
    @abstractmethod
    def _on(self) -> object:
        """What a repository is built on: the open transaction's connection, or its copy."""

    @abstractmethod
    async def _begin(self, shard: str) -> None:
        """Begin a transaction on the shard."""

    @abstractmethod
    async def _claim(self, guard: IdempotencyGuard) -> None:
        """Own the Idempotency-Key, or raise a replay (or the key reused)."""

    @abstractmethod
    async def _first_deliveries(
        self, consumer: str, events: Mapping[uuid.UUID, uuid.UUID | None]
    ) -> frozenset[uuid.UUID]:
        """Record the events (id -> tenant) in the consumer's inbox; those that were not
        there already."""

    @abstractmethod
    async def _write(self, events: list[EventEnvelope], response: StoredResponse | None) -> None:
        """The outbox rows and the keyed response, in the open transaction."""

    @abstractmethod
    async def _end(self, commit: bool, exc: BaseException | None) -> None:
        """Commit or roll back, and close the transaction."""

    async def open(self, shard: str) -> None:
        """Begin on `shard`: claim the Idempotency-Key, record the reaction in the inbox (a
        reaction whose every event is there already took effect: AlreadyAppliedError)."""
        if self.shard is not None:
            raise RuntimeError(f"already open on {self.shard}")
        if self._opened_before and (self.origin.guard or self.origin.consumer):
            raise RuntimeError("a keyed command or a reaction runs in one transaction")
        self._opened_before = True
        self.shard = shard
        await self._begin(shard)
        if self.origin.guard is not None:
            await self._claim(self.origin.guard)
        if self.origin.consumer is not None:
            answers = self.origin.answers
            assert answers, "a reaction names its events"
            self.first_deliveries = await self._first_deliveries(
                self.origin.consumer, self.origin.answered
            )
            if not self.first_deliveries:
                raise AlreadyAppliedError(", ".join(map(str, answers)))
        self._bind()

    def collect_new_events(self) -> list[EventEnvelope]:
        """Every new event of every aggregate seen, as envelopes; each one only once."""
        envelopes = []
        for repository in self._publishing:
            for aggregate in repository.seen:
                while aggregate.events:
                    contract = self.publishes.to_integration(aggregate.events.pop(0))
                    envelopes.append(
                        contract.envelope(self.origin.correlation_id, self.origin.causation_id)
                    )
        return envelopes

    async def commit(self, respond: KeyedResponse | None = None) -> list[EventEnvelope]:
        """Save, write the outbox and the keyed response, COMMIT; returns the events."""
        if self.shard is None:
            return []  # nothing open: the handler changed nothing, or committed its own shards
        for repository in self._publishing:
            await repository.save_changes()
        events = self.collect_new_events()
        response = None
        if self.origin.guard is not None:
            if respond is None:
                raise RuntimeError("a command under an Idempotency-Key must record its response")
            response = respond(events)
        await self._write(events, response)
        await self._end(True, None)
        self.shard = None
        self.committed = True
        return events

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self.shard is not None:
            self.shard = None
            await self._end(False, exc)


class ShardUnitOfWork(CommandUnitOfWork):
    """The unit of work on a Postgres shard: a shard that cannot be reached is a
    ShardUnavailableError."""

    def __init__(self, engines: ShardEngines, origin: Origin) -> None:
        super().__init__(origin)
        self._engines = engines
        self._transaction: ShardTransaction | None = None

    @property
    def connection(self) -> AsyncConnection:
        if self._transaction is None:
            raise RuntimeError("open the unit of work on a shard first")
        return self._transaction.connection

    def _on(self) -> AsyncConnection:
        return self.connection

    async def _begin(self, shard: str) -> None:
        self._transaction = ShardTransaction(self._engines, shard)
        await self._transaction.__aenter__()

    async def _claim(self, guard: IdempotencyGuard) -> None:
        await guard.claim(self.connection)

    async def _first_deliveries(
        self, consumer: str, events: Mapping[uuid.UUID, uuid.UUID | None]
    ) -> frozenset[uuid.UUID]:
        return await first_deliveries(self.connection, consumer, events)

    async def _write(self, events: list[EventEnvelope], response: StoredResponse | None) -> None:
        guard = self.origin.guard
        recording = None if guard is None or response is None else guard.recording(response)
        await write_outbox(self.connection, self.publishes.topic, events, alongside=recording)

    async def _end(self, commit: bool, exc: BaseException | None) -> None:
        transaction, self._transaction = self._transaction, None
        if transaction is None:
            return
        if commit:
            try:
                await transaction.commit()
            except BaseException as failed:
                await transaction.__aexit__(type(failed), failed, failed.__traceback__)
                raise
        await transaction.__aexit__(type(exc) if exc else None, exc, None)
