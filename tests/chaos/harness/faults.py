"""The faults a round injects into the local stack, and how each is healed.

A killed component is healed by `make up`'s own code (`LocalStack.up`), which starts
exactly what is missing; a frozen one by SIGCONT; a bad link by mending the proxy."""

from __future__ import annotations

import asyncio
import os
import signal
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

from aiokafka.admin import AIOKafkaAdminClient

from harness.links import ProxiedInstance
from harness.proxy import Mode
from harness.workers import Worker, second_worker, wait_busy
from tessera_stack.services import service_process
from tessera_stack.stack import LocalStack

SESSION_TIMEOUT = 10.0  # the projector's (PROJECTOR_SESSION_TIMEOUT_SECONDS' default)


@dataclass
class Fault:
    """One fault: what it does to the stack, for how long, and how it is healed."""

    name: str
    hold: float = 5.0  # seconds between the fault and its heal

    @asynccontextmanager
    async def around(self, stack: LocalStack) -> AsyncIterator[None]:
        """What the round needs in place before the load starts (and removed after)."""
        yield

    async def armed(self, stack: LocalStack) -> None:
        """Wait, under load, for the moment the fault is meant to strike."""
        return None

    async def inject(self, stack: LocalStack) -> None:
        raise NotImplementedError

    async def heal(self, stack: LocalStack) -> None:
        """`make up`: start whatever is not running."""
        await asyncio.to_thread(stack.up)


@dataclass
class KillInstances(Fault):
    """SIGKILL service instances (by the names `make status` shows)."""

    instances: tuple[str, ...] = ()

    async def inject(self, stack: LocalStack) -> None:
        for name in self.instances:
            await asyncio.to_thread(service_process(stack.layout, name).kill)


@dataclass
class KillBroker(Fault):
    async def inject(self, stack: LocalStack) -> None:
        await asyncio.to_thread(stack.kafka.process.kill)


@dataclass
class PauseBroker(Fault):
    """SIGSTOP past the projector's session timeout (the group drops its members), right
    after a restart of the broker under load: the sequence that once left the projector
    stalled and saying it was healthy."""

    hold: float = SESSION_TIMEOUT + 5

    async def armed(self, stack: LocalStack) -> None:
        await asyncio.to_thread(stack.kafka.process.stop)
        await asyncio.to_thread(stack.kafka.start)
        await asyncio.sleep(3)

    async def inject(self, stack: LocalStack) -> None:
        pid = stack.kafka.process.pid()
        assert pid is not None, "the broker is not running"
        os.kill(pid, signal.SIGSTOP)

    async def heal(self, stack: LocalStack) -> None:
        pid = stack.kafka.process.pid()
        if pid is not None:
            os.kill(pid, signal.SIGCONT)


@dataclass
class StopShard(Fault):
    """`pg_ctl stop -m immediate`: the server dies without a checkpoint, as in a crash."""

    shard: str = "shard-1"

    async def inject(self, stack: LocalStack) -> None:
        await asyncio.to_thread(stack.cluster(self.shard).stop, mode="immediate")


@dataclass
class KillRedis(Fault):
    async def inject(self, stack: LocalStack) -> None:
        await asyncio.to_thread(stack.redis.process.kill)


@dataclass
class KillSecondWorker(Fault):
    """Two projector workers share the partitions; the second is SIGKILLed mid-batch and
    the survivor takes its partitions after the session timeout (no heal is needed)."""

    worker: Worker | None = field(default=None, repr=False)

    @asynccontextmanager
    async def around(self, stack: LocalStack) -> AsyncIterator[None]:
        async with second_worker(stack) as self.worker:
            yield

    async def armed(self, stack: LocalStack) -> None:
        assert self.worker is not None
        await wait_busy(self.worker)  # it has applied events: it is mid-stream

    async def inject(self, stack: LocalStack) -> None:
        assert self.worker is not None
        await asyncio.to_thread(self.worker.process.kill)

    async def heal(self, stack: LocalStack) -> None:
        return None


@dataclass
class RebalanceStorm(Fault):
    """A second worker joins the group and leaves it (SIGTERM) again and again, under load:
    every join and every leave is a rebalance of every partition."""

    cycles: int = 3
    hold: float = 0.0

    async def inject(self, stack: LocalStack) -> None:
        for n in range(self.cycles):
            async with second_worker(stack, port_shift=70 + n):
                await asyncio.sleep(2)

    async def heal(self, stack: LocalStack) -> None:
        return None


@dataclass
class BadLink(Fault):
    """A link between one instance and every shard server goes bad (through a proxy)."""

    instance: str = "accounts-1"
    mode: Mode = Mode.PARTITION

    link: ProxiedInstance | None = field(default=None, repr=False)

    @asynccontextmanager
    async def around(self, stack: LocalStack) -> AsyncIterator[None]:
        async with ProxiedInstance(stack, self.instance) as self.link:
            yield

    async def inject(self, stack: LocalStack) -> None:
        assert self.link is not None
        self.link.set(self.mode)

    async def heal(self, stack: LocalStack) -> None:
        assert self.link is not None
        self.link.set(Mode.PASS)


@dataclass
class KillPartitionLeaders(Fault):
    """Three brokers: SIGKILL the leader of accounts.events' first partition, restart it
    with `make up` once another leads, and again, `cycles` times under load."""

    cycles: int = 5
    hold: float = 0.0
    down_seconds: float = 4.0

    async def inject(self, stack: LocalStack) -> None:
        for _ in range(self.cycles):
            leader = await partition_leader(stack.layout.kafka_bootstrap, "accounts.events", 0)
            broker = next(b for b in stack.brokers if b.node.node_id == leader)
            await asyncio.to_thread(broker.process.kill)
            await asyncio.sleep(self.down_seconds)
            await asyncio.to_thread(stack.up)

    async def heal(self, stack: LocalStack) -> None:
        return None


async def partition_leader(bootstrap: str, topic: str, partition: int) -> int:
    """The node id leading a partition, as the cluster's metadata says."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        (described,) = await admin.describe_topics([topic])
        found = next(p for p in described["partitions"] if p["partition"] == partition)
        return int(found["leader"])
    finally:
        await admin.close()
