"""The usage unit of work: batches on one shard's transaction; each stored batch publishes."""

from __future__ import annotations

from tessera_common.commands.unit_of_work import Publication, ShardUnitOfWork
from tessera_common.events.topics import USAGE_EVENTS
from usage.adapters.integration_events import integration_event
from usage.adapters.repositories import BatchRepository


class UsageUnitOfWork(ShardUnitOfWork):
    publishes = Publication(USAGE_EVENTS, integration_event)
    batches: BatchRepository
