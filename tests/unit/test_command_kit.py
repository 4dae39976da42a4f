"""The command kit's own promises, on its in-memory unit of work: what the runner hands a
handler, and what a commit does (and what leaving without one undoes)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, ClassVar

import pytest

from tessera_common.commands.aggregates import Seen
from tessera_common.commands.runner import CommandRunner
from tessera_common.commands.unit_of_work import Origin, Publication
from tessera_common.db.errors import StaleConnectionError
from tessera_common.events.contract import Contract
from tessera_common.events.envelope import EventEnvelope, IntegrationEvent
from tessera_common.idempotency import IdempotencyGuard, StoredResponse
from tessera_common.idempotency.cipher import ResponseCipher
from tessera_common.testing.shards import InMemoryShards, InMemoryUnitOfWork, ShardState
from tessera_common.timestamps import utc_now


class Counted(Contract):
    event_type: ClassVar[str] = "Counted"

    counter: uuid.UUID
    value: int


@dataclass
class Counter:
    id: uuid.UUID
    value: int = 0
    version: int = 1
    events: list[int] = field(default_factory=list)

    def increment(self) -> None:
        self.value += 1
        self.version += 1
        self.events.append(self.value)


class Counters:
    def __init__(self, state: ShardState) -> None:
        self.rows: dict[uuid.UUID, Counter] = state.tables["counters"]
        self.seen: Seen[Counter] = Seen()
        self.saved: list[tuple[int, int]] = []

    def get(self, counter_id: uuid.UUID) -> Counter:
        return self.seen.add(self.rows.setdefault(counter_id, Counter(counter_id)))

    async def save_changes(self) -> None:
        self.saved += [(c.version, read) for c, read in self.seen.changed()]


def contract(value: int) -> IntegrationEvent:
    counter = uuid.UUID(int=7)
    return IntegrationEvent(
        Counted(counter=counter, value=value), counter, "counter", counter, value
    )


class CounterUnitOfWork(InMemoryUnitOfWork):
    publishes = Publication("counters", contract)
    counters: Counters


@dataclass(frozen=True)
class Increment:
    counter_id: uuid.UUID


async def increment(cmd: Increment, uow: CounterUnitOfWork, shard: str) -> Counter:
    await uow.open(shard)
    counter = uow.counters.get(cmd.counter_id)
    counter.increment()
    return counter


async def fail_after_incrementing(cmd: Increment, uow: CounterUnitOfWork, shard: str) -> None:
    await increment(cmd, uow, shard)
    raise RuntimeError("refused")


async def nothing_to_do(cmd: Increment, uow: CounterUnitOfWork) -> str:
    return "nothing"


@pytest.fixture
def shards() -> InMemoryShards:
    return InMemoryShards()


def runner(shards: InMemoryShards, **dependencies: Any) -> CommandRunner:
    return CommandRunner(lambda origin: CounterUnitOfWork(shards, origin), dependencies)


async def test_a_commit_saves_what_changed_and_publishes_its_events_once(
    shards: InMemoryShards,
) -> None:
    correlation = uuid.uuid4()
    commands = runner(shards, shard="s1")

    reply = await commands.run(increment, Increment(uuid.UUID(int=7)), Origin(correlation))
    again = await commands.run(increment, Increment(uuid.UUID(int=7)), Origin(correlation))

    assert (reply.result.value, again.result.value) == (1, 2)
    assert [e.payload["value"] for e in reply.events] == [1]
    assert [e.payload["value"] for e in shards.published("counters")] == [1, 2]
    assert {e.correlation_id for e in shards.published()} == {correlation}


async def test_leaving_without_a_commit_keeps_nothing(shards: InMemoryShards) -> None:
    commands = runner(shards, shard="s1")
    with pytest.raises(RuntimeError, match="refused"):
        await commands.run(fail_after_incrementing, Increment(uuid.uuid4()), Origin(uuid.uuid4()))
    assert shards["s1"].tables["counters"] == {}
    assert shards.published() == []


async def test_a_handler_that_opens_nothing_commits_nothing(shards: InMemoryShards) -> None:
    reply = await runner(shards).run(nothing_to_do, Increment(uuid.uuid4()), Origin(uuid.uuid4()))
    assert (reply.result, reply.events) == ("nothing", [])


async def test_a_dependency_the_root_lacks_is_named(shards: InMemoryShards) -> None:
    with pytest.raises(TypeError, match=r"increment needs \['shard'\]"):
        await runner(shards).run(increment, Increment(uuid.uuid4()), Origin(uuid.uuid4()))


async def test_a_reaction_takes_effect_once_whatever_the_redeliveries(
    shards: InMemoryShards,
) -> None:
    commands = runner(shards, shard="s1")
    cause = uuid.uuid4()
    event = Counted(counter=uuid.uuid4(), value=0)
    envelope = EventEnvelope(
        event_id=cause, event_type="Counted", schema_version=1, tenant_id=event.counter,
        aggregate_type="counter", aggregate_id=event.counter, aggregate_version=1,
        occurred_at=utc_now(), correlation_id=uuid.uuid4(), payload=event.model_dump(),
    )  # fmt: skip

    for _ in range(3):
        await commands.react(increment, Increment(uuid.UUID(int=7)), Origin.reaction(envelope, "c"))

    (published,) = shards.published()
    assert (published.causation_id, published.correlation_id) == (cause, envelope.correlation_id)


async def test_a_keyed_command_must_record_its_response(shards: InMemoryShards) -> None:
    guard = IdempotencyGuard("tenant:x", "k", "h", timedelta(days=1), ResponseCipher("s"))
    origin = Origin(uuid.uuid4(), guard=guard)
    with pytest.raises(RuntimeError, match="must record its response"):
        await runner(shards, shard="s1").run(increment, Increment(uuid.uuid4()), origin)

    def respond(counter: Counter, events: list[EventEnvelope]) -> StoredResponse:
        return StoredResponse(200, {}, str(counter.value).encode())

    await runner(shards, shard="s1").run(increment, Increment(uuid.uuid4()), origin, respond)
    assert shards.responses() == {"k": StoredResponse(200, {}, b"1")}


def stale_first(times: int) -> Any:
    """A handler whose first `times` runs find their connection closed after incrementing
    (as a pooled connection the shard server closed since its last use does)."""
    runs: list[int] = []

    async def handler(cmd: Increment, uow: CounterUnitOfWork, shard: str) -> Counter:
        runs.append(1)
        counter = await increment(cmd, uow, shard)
        if len(runs) <= times:
            raise StaleConnectionError(shard)
        return counter

    handler.runs = runs  # type: ignore[attr-defined]
    return handler


async def test_a_connection_found_closed_before_commit_runs_the_handler_once_more(
    shards: InMemoryShards,
) -> None:
    handler = stale_first(1)
    commands = runner(shards, shard="s1")
    reply = await commands.run(handler, Increment(uuid.UUID(int=7)), Origin(uuid.uuid4()))

    assert len(handler.runs) == 2
    assert reply.result.value == 1  # the first run's increment was rolled back
    assert [e.payload["value"] for e in shards.published()] == [1]


async def test_a_second_closed_connection_is_the_shard_unavailable(shards: InMemoryShards) -> None:
    handler = stale_first(2)
    with pytest.raises(StaleConnectionError):
        await runner(shards, shard="s1").run(handler, Increment(uuid.uuid4()), Origin(uuid.uuid4()))
    assert len(handler.runs) == 2
    assert shards.published() == []


async def test_a_handler_that_committed_a_shard_already_is_not_run_again(
    shards: InMemoryShards,
) -> None:
    async def two_shards(cmd: Increment, uow: CounterUnitOfWork) -> None:
        await increment(cmd, uow, "s1")
        await uow.commit()
        await uow.open("s2")
        raise StaleConnectionError("s2")

    with pytest.raises(StaleConnectionError):
        await runner(shards).run(two_shards, Increment(uuid.uuid4()), Origin(uuid.uuid4()))
    assert [e.payload["value"] for e in shards.published()] == [1]  # once, not twice
