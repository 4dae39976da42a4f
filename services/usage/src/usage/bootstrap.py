"""The composition root of the usage process: the kit's, plus region groups and partitions."""

from __future__ import annotations

from collections.abc import Coroutine, Mapping
from typing import Any

from tessera_common.commands.service import CommandService
from tessera_common.commands.unit_of_work import Origin
from tessera_common.sharding.geo import RegionShardGroups
from usage.adapters.partitions import maintain_partitions
from usage.adapters.unit_of_work import UsageUnitOfWork
from usage.settings import DATABASE, UsageSettings


class Usage(CommandService[UsageSettings]):
    def __init__(self, settings: UsageSettings) -> None:
        super().__init__("usage", DATABASE, settings)
        self.groups = RegionShardGroups(settings.shards.regions)

    def unit_of_work(self, origin: Origin) -> UsageUnitOfWork:
        return UsageUnitOfWork(self.engines, origin)

    def dependencies(self) -> Mapping[str, object]:
        return {"placer": self.groups, "retention_months": self.settings.retention.retention_months}

    def loops(self) -> list[Coroutine[Any, Any, Any]]:
        return [maintain_partitions(self.engines, self.settings.retention)]


def bootstrap(settings: UsageSettings) -> Usage:
    return Usage(settings)
