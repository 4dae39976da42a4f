"""The accounts unit of work: repositories on one shard transaction, events to the outbox."""

from __future__ import annotations

import uuid
from typing import Self

from accounts.adapters.integration_events import to_envelope
from accounts.adapters.repositories import ApiKeyRepository, TenantRepository, UserRepository
from accounts.domain.tenant import Tenant
from tessera_common.db.engines import ShardEngines
from tessera_common.db.unit_of_work import ShardUnitOfWork
from tessera_common.events.envelope import EventEnvelope
from tessera_common.events.topics import ACCOUNTS_EVENTS


class AccountsUnitOfWork(ShardUnitOfWork):
    tenants: TenantRepository
    users: UserRepository
    api_keys: ApiKeyRepository

    def __init__(self, engines: ShardEngines, shard: str, correlation_id: uuid.UUID) -> None:
        super().__init__(engines, shard, ACCOUNTS_EVENTS)
        self._correlation_id = correlation_id
        self.published: list[EventEnvelope] = []

    async def __aenter__(self) -> Self:
        await super().__aenter__()
        self.tenants = TenantRepository(self.connection)
        self.users = UserRepository(self.connection)
        self.api_keys = ApiKeyRepository(self.connection)
        return self

    async def commit_tenant(self, tenant: Tenant) -> list[EventEnvelope]:
        """Commit, publishing the tenant's new domain events; returns their envelopes."""
        envelopes = [to_envelope(event, self._correlation_id) for event in tenant.events]
        tenant.events.clear()
        self.publish(envelopes)
        await self.commit()
        return envelopes
