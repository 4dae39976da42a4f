"""The composition root of the usage process: the kit's, plus tenant placements and partitions."""

from __future__ import annotations

from collections.abc import Coroutine
from typing import Any

from tessera_common.commands.runner import CommandRunner, UnitsOfWork
from tessera_common.commands.service import CommandService
from tessera_common.commands.unit_of_work import Origin
from tessera_common.db.placements import TenantDirectory
from usage.adapters.partitions import maintain_partitions
from usage.adapters.tenant_shards import DirectoryShards
from usage.adapters.unit_of_work import UsageUnitOfWork
from usage.app.ports import Clock, TenantShards
from usage.settings import DATABASE, UsageSettings


class Usage(CommandService[UsageSettings]):
    def __init__(self, settings: UsageSettings) -> None:
        super().__init__("usage", DATABASE, settings)
        self.directory = TenantDirectory(self.directory_engine, settings.directory.cache_size)
        self.tenant_shards = DirectoryShards(self.directory, self.topology)

    def unit_of_work(self, origin: Origin) -> UsageUnitOfWork:
        return UsageUnitOfWork(self.engines, origin)

    def command_runner(self) -> CommandRunner:
        retention_months = self.settings.retention.retention_months
        return commands_on(
            self.unit_of_work, tenant_shards=self.tenant_shards, retention_months=retention_months,
            clock=self.clock,
        )  # fmt: skip

    def loops(self) -> list[Coroutine[Any, Any, Any]]:
        return [
            maintain_partitions(self.engines, self.settings.retention),
            self.directory.follow_moves(self.settings.topology.poll_seconds),
        ]


def commands_on(
    units_of_work: UnitsOfWork,
    *,
    tenant_shards: TenantShards,
    retention_months: int,
    clock: Clock,
) -> CommandRunner:
    """The handlers' dependencies, by name: the running service's, or a test's twins."""
    return CommandRunner(
        units_of_work,
        {"tenant_shards": tenant_shards, "retention_months": retention_months, "clock": clock},
    )


def bootstrap(settings: UsageSettings) -> Usage:
    return Usage(settings)
