"""The accounts unit of work: tenants, users and API keys on one shard's transaction."""

from __future__ import annotations

from accounts.adapters.integration_events import integration_event
from accounts.adapters.repositories import ApiKeyRepository, TenantRepository, UserRepository
from tessera_common.commands.unit_of_work import Publication, ShardUnitOfWork
from tessera_common.events.topics import ACCOUNTS_EVENTS


class AccountsUnitOfWork(ShardUnitOfWork):
    """A user's and an API key's events are their tenant's: the tenants publish them."""

    publishes = Publication(ACCOUNTS_EVENTS, integration_event)
    tenants: TenantRepository
    users: UserRepository
    api_keys: ApiKeyRepository
