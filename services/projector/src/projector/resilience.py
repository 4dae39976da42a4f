"""Applying a batch whatever happens: wait out outages, isolate poison.

An outage of a store (connection refused, timeouts) is retried with backoff, for as
long as it lasts: offsets do not advance meanwhile, so nothing is skipped. A store call
that never answers counts as one: each attempt has a deadline, so a wedged connection
costs one retry instead of holding the partition (and every commit behind it). Any
other error is the data's fault: the batch is applied event by event and the
events that still fail go to the dead-letter topic, so one bad event never blocks
the partition.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from typing import TypeVar

import structlog
from prometheus_client import Counter

from projector.projector import Projected, Rejected
from tessera_common.kafka.policies import failure_text, while_transient

log = structlog.get_logger(__name__)
T = TypeVar("T")

STORE_OUTAGE_RETRIES = Counter(
    "tessera_projector_store_retries_total", "Batch applies retried because a store was down."
)


def _log_retry(state: object) -> None:
    STORE_OUTAGE_RETRIES.inc()
    outcome = getattr(state, "outcome", None)
    error = outcome.exception() if outcome is not None else None
    log.warning("store_unavailable_retrying", error=repr(error))


async def until_stores_answer(call: Callable[[], Awaitable[T]], deadline: float) -> T:
    """`call()`'s result, retried with backoff while a store is out; each attempt within
    `deadline` seconds (past it, TimeoutError: transient, so retried too)."""
    async for attempt in while_transient(_log_retry):
        with attempt:
            async with asyncio.timeout(deadline):
                return await call()
    raise AssertionError("unreachable: AsyncRetrying reraises the last error")


async def apply_resiliently(
    apply: Callable[[Sequence[Projected]], Awaitable[None]],
    batch: Sequence[Projected],
    dead_letter: Callable[[Rejected], Awaitable[None]],
    deadline: float,
) -> None:
    """Apply `batch`, each attempt within `deadline` seconds; poison to `dead_letter`."""
    try:
        await until_stores_answer(lambda: apply(batch), deadline)
    except Exception:
        for projected in batch:
            try:
                await until_stores_answer(lambda p=projected: apply([p]), deadline)  # type: ignore[misc]
            except Exception as exc:
                await dead_letter(Rejected(projected.event.to_json(), failure_text(exc)))
