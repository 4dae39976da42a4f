"""The composition root every command process shares; each service adds its ports."""

from __future__ import annotations

import asyncio
from abc import ABC, abstractmethod
from collections.abc import Awaitable, Callable, Coroutine, Mapping
from datetime import timedelta
from functools import cached_property, partial
from typing import Any, Generic, TypeVar

from tessera_common.background import BackgroundTasks
from tessera_common.commands.ports import Clock
from tessera_common.commands.runner import CommandRunner
from tessera_common.commands.settings import CommandSettings
from tessera_common.commands.unit_of_work import CommandUnitOfWork, Origin
from tessera_common.db.engines import ShardEngines, create_engine
from tessera_common.db.topology import (
    ServerUrls,
    TopologyFollower,
    TopologyStore,
    address_of,
)
from tessera_common.idempotency.cipher import ResponseCipher
from tessera_common.outbox.relay import OutboxRelay, relays_for
from tessera_common.sharding.topology import ShardTopology
from tessera_common.timestamps import utc_now

S = TypeVar("S", bound=CommandSettings)
Check = Callable[[], Awaitable[object]]


class CommandService(ABC, Generic[S]):
    """Settings, the clock, the shard engines and an outbox relay per shard (both following
    the shard topology in the directory), the idempotency settings, the background loops
    and the command runner. A subclass names its unit of work, its runner (its handlers'
    ports) and its own loops."""

    def __init__(self, name: str, database: str, settings: S, clock: Clock = utc_now) -> None:
        self.name = name
        self.database = database
        self.settings = settings
        self.clock = clock
        self.engines = ShardEngines.connect(settings.shards, database)
        self.relays: dict[str, OutboxRelay] = {
            relay.shard: relay for relay in self._relays_for(settings.shards.servers)
        }
        self._relay_tasks: dict[str, asyncio.Task[Any]] = {}
        self._shard_checks: dict[str, Check] = {}
        self._started = False
        self.directory_engine = create_engine(
            settings.directory.db_url, pool_size=5, service=database, shard="directory"
        )
        self._server_urls = ServerUrls(settings.shards.servers)
        seed = ShardTopology.seed(
            {shard: address_of(url) for shard, url in settings.shards.servers.items()},
            settings.shards.regions,
        )
        self.topology = TopologyFollower(
            TopologyStore(self.directory_engine), seed,
            service=name, poll_seconds=settings.topology.poll_seconds,
        )  # fmt: skip
        self.topology.on_change(self._follow_topology)
        self.response_cipher = ResponseCipher(
            settings.auth.internal_token_secret.get_secret_value()
        )
        self.background = BackgroundTasks()

    @property
    def idempotency_ttl(self) -> timedelta:
        return timedelta(seconds=self.settings.idempotency.ttl_seconds)

    @cached_property
    def commands(self) -> CommandRunner:
        """The service's handlers on its units of work and ports."""
        return self.command_runner()

    @abstractmethod
    def command_runner(self) -> CommandRunner:
        """The service's handlers with their dependencies (its `commands_on`)."""

    @abstractmethod
    def unit_of_work(self, origin: Origin) -> CommandUnitOfWork:
        """A unit of work for one command."""

    def loops(self) -> list[Coroutine[Any, Any, Any]]:
        """The service's own long-running loops (consumers, scans), beside the relays."""
        return []

    def readiness(self) -> dict[str, Check]:
        """What must answer for the service to be ready (a shard that is down only degrades)."""
        return {}

    def shard_checks(self) -> dict[str, Check]:
        """Each shard's readiness check; the dict gains the shards the topology adds."""
        self._shard_checks.update(
            {f"shard:{name}": self._shard_check(name) for name in self.engines.names}
        )
        return self._shard_checks

    def server_urls(self, topology: ShardTopology | None = None) -> dict[str, str]:
        """How this process reaches each shard of `topology` (by default, the one followed)."""
        return self._server_urls.urls(topology or self.topology.current)

    def _shard_check(self, shard: str) -> Check:
        return partial(self.engines.ping, shard)

    def _relays_for(self, servers: Mapping[str, str]) -> list[OutboxRelay]:
        return relays_for(
            self.name, self.database, servers=servers, kafka=self.settings.kafka,
            outbox=self.settings.outbox, instance=self.settings.observability.service_instance,
        )  # fmt: skip

    def _follow_topology(self, topology: ShardTopology) -> None:
        """A new version: engines and a relay for each new shard (or a moved server)."""
        urls = self._server_urls.urls(topology)
        changed = self.engines.follow(urls)
        for relay in self._relays_for({shard: urls[shard] for shard in changed}):
            self.relays[relay.shard] = relay
            self._shard_checks[f"shard:{relay.shard}"] = self._shard_check(relay.shard)
            if self._started:
                self._start_relay(relay)

    def _start_relay(self, relay: OutboxRelay) -> None:
        """Run `relay`, in place of the shard's previous relay (cancelled: the new one takes
        over the lead once the old one's connection is closed)."""
        if (previous := self._relay_tasks.get(relay.shard)) is not None:
            previous.cancel()
        (self._relay_tasks[relay.shard],) = self.background.start(relay.run())

    def start(self) -> None:
        self._started = True
        for relay in self.relays.values():
            self._start_relay(relay)
        self.background.start(self.topology.run(), *self.loops())

    async def stop(self) -> None:
        await self.background.stop()
        await self.engines.dispose()
        await self.directory_engine.dispose()
