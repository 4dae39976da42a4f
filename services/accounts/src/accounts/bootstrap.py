"""The composition root of the accounts process: the kit's, plus the directory."""

from __future__ import annotations

from collections.abc import Coroutine
from typing import Any

from accounts.adapters.unit_of_work import AccountsUnitOfWork
from accounts.app.choreography import CONSUMER, REACTS_TO, BillingEvents
from accounts.app.ports import Clock, Directory, Placer
from accounts.settings import DATABASE, AccountsSettings
from tessera_common.commands.runner import CommandRunner, UnitsOfWork
from tessera_common.commands.service import Check, CommandService
from tessera_common.commands.unit_of_work import Origin
from tessera_common.db.placements import TenantDirectory
from tessera_common.events.topics import BILLING_EVENTS
from tessera_common.kafka.consumer import EventConsumer


class Accounts(CommandService[AccountsSettings]):
    def __init__(self, settings: AccountsSettings) -> None:
        super().__init__("accounts", DATABASE, settings)
        self.directory = TenantDirectory(self.directory_engine, settings.directory.cache_size)
        self.consumer = EventConsumer(
            CONSUMER, [BILLING_EVENTS], BillingEvents(self.commands), settings.kafka,
            reacts_to=REACTS_TO,
        )  # fmt: skip

    def unit_of_work(self, origin: Origin) -> AccountsUnitOfWork:
        return AccountsUnitOfWork(self.engines, origin)

    def command_runner(self) -> CommandRunner:
        return commands_on(
            self.unit_of_work, directory=self.directory, placer=self.topology, clock=self.clock
        )

    def loops(self) -> list[Coroutine[Any, Any, Any]]:
        poll = self.settings.topology.poll_seconds
        return [self.consumer.run(), self.directory.follow_moves(poll)]

    def readiness(self) -> dict[str, Check]:
        return {"directory": self.directory.ping}


def commands_on(
    units_of_work: UnitsOfWork, *, directory: Directory, placer: Placer, clock: Clock
) -> CommandRunner:
    """The handlers' dependencies, by name: the running service's, or a test's twins."""
    return CommandRunner(units_of_work, {"directory": directory, "placer": placer, "clock": clock})


def bootstrap(settings: AccountsSettings) -> Accounts:
    return Accounts(settings)
