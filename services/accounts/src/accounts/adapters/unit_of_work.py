"""The accounts unit of work: repositories on one shard's transaction; tenants publish."""

from __future__ import annotations

from accounts.adapters.integration_events import integration_event
from accounts.adapters.repositories import ApiKeyRepository, TenantRepository, UserRepository
from tessera_common.commands.aggregates import Repository
from tessera_common.commands.unit_of_work import Origin, ShardUnitOfWork
from tessera_common.db.engines import ShardEngines
from tessera_common.events.topics import ACCOUNTS_EVENTS


class AccountsUnitOfWork(ShardUnitOfWork):
    tenants: TenantRepository
    users: UserRepository
    api_keys: ApiKeyRepository

    def __init__(self, engines: ShardEngines, origin: Origin) -> None:
        super().__init__(engines, origin, topic=ACCOUNTS_EVENTS, to_integration=integration_event)

    def _bind(self) -> None:
        connection = self.connection
        self.tenants = TenantRepository(connection)
        self.users = UserRepository(connection)
        self.api_keys = ApiKeyRepository(connection)

    def _repositories(self) -> list[Repository]:
        return [self.tenants]  # users and keys belong to the tenant: its events are theirs
