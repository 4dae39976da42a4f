"""The usage unit of work: batches on one shard's transaction; each stored batch publishes."""

from __future__ import annotations

from tessera_common.commands.aggregates import Repository
from tessera_common.commands.unit_of_work import Origin, ShardUnitOfWork
from tessera_common.db.engines import ShardEngines
from tessera_common.events.topics import USAGE_EVENTS
from usage.adapters.integration_events import integration_event
from usage.adapters.repositories import BatchRepository


class UsageUnitOfWork(ShardUnitOfWork):
    batches: BatchRepository

    def __init__(self, engines: ShardEngines, origin: Origin) -> None:
        super().__init__(engines, origin, topic=USAGE_EVENTS, to_integration=integration_event)

    def _bind(self) -> None:
        connection = self.connection
        self.batches = BatchRepository(connection)

    def _repositories(self) -> list[Repository]:
        return [self.batches]
