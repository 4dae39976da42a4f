"""The composition root of the accounts process: the kit's, plus the directory."""

from __future__ import annotations

from collections.abc import Coroutine
from typing import Any

from accounts.adapters.unit_of_work import AccountsUnitOfWork
from accounts.app.choreography import CONSUMER, REACTS_TO, BillingEvents
from accounts.app.ports import Clock, Directory, Placer
from accounts.app.record_move import RecordMove, record_move
from accounts.settings import DATABASE, AccountsSettings
from tessera_common.commands.runner import CommandRunner, UnitsOfWork
from tessera_common.commands.service import Check, CommandService
from tessera_common.commands.unit_of_work import Origin
from tessera_common.db.placements import TenantDirectory
from tessera_common.events.topics import BILLING_EVENTS
from tessera_common.kafka.consumer import EventConsumer
from tessera_common.resharding.moves import Move, TenantMover

# The databases whose rows follow a tenant's placement (billing's follow its hash ring).
MOVED_DATABASES = (DATABASE, "usage")


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

    def tenant_mover(self) -> TenantMover:
        """A mover of tenants between the shards of the topology this process follows."""
        return TenantMover(
            self.settings.directory.db_url, self.topology.current, self.server_urls(),
            databases=MOVED_DATABASES, before_flip=self._record_move,
            grace_seconds=3 * self.settings.topology.poll_seconds,
        )  # fmt: skip

    async def _record_move(self, move: Move) -> None:
        """Before a verified move flips: the tenant's row on its new shard names it, and
        TenantMoved leaves from there (see accounts.app.record_move)."""
        cmd = RecordMove(move.tenant_id, move.target)
        await self.commands.run(record_move, cmd, Origin.scheduled())

    def readiness(self) -> dict[str, Check]:
        return {"directory": self.directory.ping}


def commands_on(
    units_of_work: UnitsOfWork, *, directory: Directory, placer: Placer, clock: Clock
) -> CommandRunner:
    """The handlers' dependencies, by name: the running service's, or a test's twins."""
    return CommandRunner(units_of_work, {"directory": directory, "placer": placer, "clock": clock})


def bootstrap(settings: AccountsSettings) -> Accounts:
    return Accounts(settings)
