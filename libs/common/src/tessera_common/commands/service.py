"""The composition root every command process shares; each service adds its ports."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Awaitable, Callable, Coroutine
from datetime import timedelta
from functools import cached_property, partial
from typing import Any, Generic, TypeVar

from tessera_common.background import BackgroundTasks
from tessera_common.commands.ports import Clock
from tessera_common.commands.runner import CommandRunner
from tessera_common.commands.settings import CommandSettings
from tessera_common.commands.unit_of_work import CommandUnitOfWork, Origin
from tessera_common.db.engines import ShardEngines
from tessera_common.idempotency.cipher import ResponseCipher
from tessera_common.outbox.relay import OutboxRelay, relays_for
from tessera_common.timestamps import utc_now

S = TypeVar("S", bound=CommandSettings)
Check = Callable[[], Awaitable[object]]


class CommandService(ABC, Generic[S]):
    """Settings, the clock, the shard engines, an outbox relay per shard, the idempotency
    settings, the background loops and the command runner. A subclass names its unit of
    work, its runner (its handlers' ports) and its own loops."""

    def __init__(self, name: str, database: str, settings: S, clock: Clock = utc_now) -> None:
        self.name = name
        self.settings = settings
        self.clock = clock
        self.engines = ShardEngines.connect(settings.shards, database)
        self.relays: list[OutboxRelay] = relays_for(
            name, database, shards=settings.shards, kafka=settings.kafka,
            outbox=settings.outbox, instance=settings.observability.service_instance,
        )  # fmt: skip
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
        return {f"shard:{name}": partial(self.engines.ping, name) for name in self.engines.names}

    def start(self) -> None:
        self.background.start(*(relay.run() for relay in self.relays), *self.loops())

    async def stop(self) -> None:
        await self.background.stop()
        await self.engines.dispose()
