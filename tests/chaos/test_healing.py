"""`make up` heals: after a component dies it starts exactly that one and nothing else,
and runs no migration while every database is at its head."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import pytest

from tessera_stack.edge import EdgeServer
from tessera_stack.services import instances, service_process
from tessera_stack.stack import LocalStack

Kill = Callable[[LocalStack], object]


def pids(stack: LocalStack) -> dict[str, int | None]:
    """Every component's pid, by the name `make status` shows."""
    found = {i.name: service_process(stack.layout, i.name).pid() for i in instances(stack.layout)}
    found["edge"] = EdgeServer(stack.layout).process.pid()
    found["redis"] = stack.redis.process.pid()
    found["kafka"] = stack.kafka.process.pid()
    for cluster in stack.clusters:
        found[f"postgres {cluster.server.name}"] = cluster.pid()
    return found


def kill_instance(name: str) -> Kill:
    return lambda stack: service_process(stack.layout, name).kill()


KILLS: dict[str, Kill] = {
    "gateway-1": kill_instance("gateway-1"),
    "query-1": kill_instance("query-1"),
    "projector": kill_instance("projector"),
    "edge": lambda stack: EdgeServer(stack.layout).process.kill(),
    "redis": lambda stack: stack.redis.process.kill(),
    "kafka": lambda stack: stack.kafka.process.kill(),
    "postgres shard-1": lambda stack: stack.cluster("shard-1").stop(mode="immediate"),
}


@pytest.mark.timeout(600)
@pytest.mark.parametrize("component", list(KILLS))
async def test_up_brings_back_exactly_the_component_that_died(
    local_stack: LocalStack, component: str
) -> None:
    before = pids(local_stack)
    assert all(before.values()), {name: pid for name, pid in before.items() if not pid}
    await asyncio.to_thread(KILLS[component], local_stack)
    assert pids(local_stack)[component] is None

    started = await asyncio.to_thread(local_stack.up)

    assert started == [component]  # no other process, and no migration
    after = pids(local_stack)
    assert after[component] not in (None, before[component])
    assert {n: p for n, p in after.items() if n != component} == {
        n: p for n, p in before.items() if n != component
    }
    assert await asyncio.to_thread(local_stack.healthy)
