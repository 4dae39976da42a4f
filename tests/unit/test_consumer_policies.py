"""Every consumer's policies: which failures wait and retry, and what a dead letter says."""

from __future__ import annotations

import asyncpg
import pytest
from aiokafka.structs import ConsumerRecord
from redis.exceptions import ConnectionError as RedisConnectionError
from tenacity import wait_none

from tessera_common.db.errors import ShardBusyError, ShardUnavailableError, TenantMovingError
from tessera_common.domain_errors import InvalidFieldError
from tessera_common.events.envelope import EventEnvelope
from tessera_common.kafka.consumer import EventConsumer
from tessera_common.kafka.policies import (
    dead_letter_headers,
    failure_text,
    is_transient,
    while_transient,
)
from tessera_common.settings import KafkaSettings


def unavailable() -> ShardUnavailableError:
    try:
        try:
            raise ConnectionRefusedError("shard-1 refused")
        except OSError as exc:
            raise ShardUnavailableError("shard-1") from exc
    except ShardUnavailableError as raised:
        return raised


@pytest.mark.parametrize(
    "failure",
    [
        ConnectionRefusedError(),
        TimeoutError(),
        asyncpg.DeadlockDetectedError(),
        RedisConnectionError(),
        unavailable(),
        ShardBusyError("shard-1"),
        TenantMovingError("shard-1"),
    ],
    ids=lambda failure: type(failure).__name__,
)
def test_outages_and_contention_are_transient(failure: BaseException) -> None:
    assert is_transient(failure)


@pytest.mark.parametrize(
    "failure", [ValueError("bad payload"), KeyError("UnknownEvent"), InvalidFieldError("x", "y")]
)
def test_the_events_own_faults_are_not(failure: BaseException) -> None:
    assert not is_transient(failure)


async def test_transient_failures_are_retried_and_others_raised_at_once() -> None:
    attempts: list[int] = []
    retried: list[int] = []

    async def call() -> None:
        attempts.append(len(attempts))
        if len(attempts) < 3:
            raise ConnectionResetError("store restarting")
        raise ValueError("bad payload")

    async def until_not_transient() -> None:
        retrying = while_transient(lambda _: retried.append(1))
        retrying.wait = wait_none()  # the backoff is not what this test waits for
        async for attempt in retrying:
            with attempt:
                await call()

    with pytest.raises(ValueError, match="bad payload"):
        await until_not_transient()
    assert (len(attempts), len(retried)) == (3, 2)


def test_a_dead_letter_names_its_error_bounded_and_its_consumer() -> None:
    error = failure_text(ValueError("x" * 5000))
    assert error.startswith("ValueError: xxx")
    assert len(error) == 2000
    assert dead_letter_headers(error, "billing-choreography") == {
        "error": error.encode(), "consumer": b"billing-choreography"
    }  # fmt: skip


def record(headers: list[tuple[str, bytes]]) -> ConsumerRecord[bytes, bytes]:
    return ConsumerRecord("accounts.events", 0, 7, 0, 0, b"tenant", b"{}", None, 6, 2, headers)


async def noop(event: EventEnvelope) -> None:
    return None


def test_events_of_types_a_consumer_does_not_react_to_are_passed_over_unread() -> None:
    billing = EventConsumer(
        "c", ["accounts.events"], noop, KafkaSettings(), reacts_to=["TenantCreated"]
    )

    assert billing.reacts(record([("traceparent", b"00-x"), ("event_type", b"TenantCreated")]))
    assert not billing.reacts(record([("event_type", b"UserAdded")]))
    assert billing.reacts(record([]))  # published before the header: parsed, as before
    everything = EventConsumer("c", ["accounts.events"], noop, KafkaSettings())
    assert everything.reacts(record([("event_type", b"UserAdded")]))
