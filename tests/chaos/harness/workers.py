"""A second projector worker in the stack's group, for the worker faults."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from projector_workers import Worker, extra_worker, group_members, metric

from tessera_stack.stack import LocalStack

__all__ = ["Worker", "second_worker", "wait_busy"]
JOIN_DEADLINE = 120.0


@asynccontextmanager
async def second_worker(
    stack: LocalStack, port_shift: int = 50, *, joined: bool = True
) -> AsyncIterator[Worker]:
    """Another worker beside the stack's; with `joined`, once the group holds both."""
    with extra_worker(stack, port_shift) as worker:
        if joined:
            await _until_members(stack.layout.kafka_bootstrap, 2)
        yield worker
        await asyncio.to_thread(worker.process.stop)


async def wait_busy(worker: Worker) -> None:
    """Until the worker has applied events of its own partitions."""
    deadline = time.monotonic() + JOIN_DEADLINE
    while await metric(worker.url, "tessera_projector_events_applied_total") == 0:
        assert time.monotonic() < deadline, "the second worker never applied an event"
        await asyncio.sleep(0.2)


async def _until_members(bootstrap: str, members: int) -> None:
    deadline = time.monotonic() + JOIN_DEADLINE
    while await group_members(bootstrap) != members:
        assert time.monotonic() < deadline, f"the group never held {members} members"
        await asyncio.sleep(1)
