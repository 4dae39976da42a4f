"""The projector's apply loop: a store call that never returns is retried, not waited on
forever (which would hold the partition and every offset commit behind it)."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime

import pytest

from projector.projector import Projected, Rejected
from projector.resilience import apply_resiliently, until_stores_answer
from tessera_common.events.envelope import EventEnvelope


def projected() -> Projected:
    event = EventEnvelope(
        event_id=uuid.uuid4(), event_type="TenantCreated", schema_version=1,
        aggregate_type="tenant", aggregate_id=uuid.uuid4(), aggregate_version=1,
        tenant_id=uuid.uuid4(), occurred_at=datetime.now(UTC), correlation_id=uuid.uuid4(),
        payload={},
    )  # fmt: skip
    return Projected(event, [])


async def test_an_attempt_that_hangs_is_retried_and_the_batch_applied_once() -> None:
    attempts: list[int] = []
    applied: list[Sequence[Projected]] = []
    dead: list[Rejected] = []

    async def apply(batch: Sequence[Projected]) -> None:
        attempts.append(len(batch))
        if len(attempts) == 1:
            await asyncio.Event().wait()  # a wedged connection: no answer, no error
        applied.append(batch)

    async def dead_letter(poison: Rejected) -> None:
        dead.append(poison)

    batch = [projected(), projected()]
    await asyncio.wait_for(apply_resiliently(apply, batch, dead_letter, deadline=0.05), 10)
    assert attempts == [2, 2]
    assert applied == [batch]
    assert dead == []


async def test_a_data_error_is_not_retried_but_raised() -> None:
    calls = 0

    async def bad() -> int:
        nonlocal calls
        calls += 1
        raise ValueError("not a store outage")

    with pytest.raises(ValueError, match="not a store outage"):
        await until_stores_answer(bad, deadline=1.0)
    assert calls == 1


async def test_the_answer_of_the_attempt_that_succeeds_is_returned() -> None:
    answers: Iterator[int | Exception] = iter([ConnectionRefusedError("down"), 7])

    async def flaky() -> int:
        answer = next(answers)
        if isinstance(answer, Exception):
            raise answer
        return answer

    assert await until_stores_answer(flaky, deadline=1.0) == 7
