"""The accounts unit of work: repositories on one shard transaction, events to the outbox."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any, Self

from accounts.adapters.integration_events import to_envelope
from accounts.adapters.repositories import ApiKeyRepository, TenantRepository, UserRepository
from accounts.domain.tenant import Tenant
from tessera_common.db.engines import ShardEngines
from tessera_common.db.unit_of_work import ShardUnitOfWork
from tessera_common.events.envelope import EventEnvelope
from tessera_common.events.topics import ACCOUNTS_EVENTS
from tessera_common.idempotency import IdempotencyGuard, StoredResponse
from tessera_common.inbox import first_delivery

# Renders a command's outcome as the HTTP response to store with its Idempotency-Key.
Render = Callable[[Any], StoredResponse]


class AccountsUnitOfWork(ShardUnitOfWork):
    tenants: TenantRepository
    users: UserRepository
    api_keys: ApiKeyRepository

    def __init__(
        self,
        engines: ShardEngines,
        shard: str,
        correlation_id: uuid.UUID,
        guard: IdempotencyGuard | None = None,
        render: Render | None = None,
    ) -> None:
        super().__init__(engines, shard, ACCOUNTS_EVENTS, guard)
        self._correlation_id = correlation_id
        self._render = render

    async def __aenter__(self) -> Self:
        await super().__aenter__()
        self.tenants = TenantRepository(self.connection)
        self.users = UserRepository(self.connection)
        self.api_keys = ApiKeyRepository(self.connection)
        return self

    async def first_delivery(self, consumer: str, event_id: uuid.UUID) -> bool:
        """Inbox: False when this event was already applied (in an earlier transaction)."""
        return await first_delivery(self.connection, consumer, event_id)

    def stage(self, tenant: Tenant) -> list[EventEnvelope]:
        """Queue the tenant's new domain events for the outbox; returns their envelopes."""
        envelopes = [to_envelope(event, self._correlation_id) for event in tenant.events]
        tenant.events.clear()
        self.publish(envelopes)
        return envelopes

    async def finish(self, outcome: object) -> None:
        """Commit; under an Idempotency-Key, with the response rendered from `outcome`."""
        await self.commit(self._render(outcome) if self._render else None)
