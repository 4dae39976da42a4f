"""What the accounts handlers need from the outside world, as protocols adapters implement."""

from __future__ import annotations

import uuid
from typing import Protocol

from accounts.domain.api_key import ApiKey
from accounts.domain.tenant import Tenant
from accounts.domain.user import User
from tessera_common.commands import ports
from tessera_common.commands.ports import Clock
from tessera_common.db.placements import Placement
from tessera_common.vocabulary import Region

__all__ = ["ApiKeyStore", "Clock", "Directory", "Placer", "TenantStore", "UnitOfWork", "UserStore"]


class TenantStore(Protocol):
    """Tenants it hands out or takes in are saved, with their events, when the unit of work
    commits (over the version each was read at)."""

    async def get(self, tenant_id: uuid.UUID) -> Tenant | None: ...

    async def add(self, tenant: Tenant) -> None: ...


class UserStore(Protocol):
    async def add(self, user: User) -> None: ...

    async def get(self, tenant_id: uuid.UUID, user_id: uuid.UUID) -> User | None: ...

    async def update(self, user: User, expected_version: int) -> None: ...

    async def remove(self, user: User, expected_version: int) -> None: ...


class ApiKeyStore(Protocol):
    async def add(self, key: ApiKey) -> None: ...

    async def find_by_digest(self, digest: str) -> ApiKey | None: ...

    async def get(self, tenant_id: uuid.UUID, key_id: uuid.UUID) -> ApiKey | None: ...

    async def revoke(self, key: ApiKey) -> None: ...


class UnitOfWork(ports.UnitOfWork, Protocol):
    @property
    def tenants(self) -> TenantStore: ...

    @property
    def users(self) -> UserStore: ...

    @property
    def api_keys(self) -> ApiKeyStore: ...


class Directory(Protocol):
    async def place(self, placement: Placement) -> Placement: ...

    async def find(self, tenant_id: uuid.UUID) -> Placement | None: ...


class Placer(Protocol):
    def place(self, tenant_id: uuid.UUID, region: Region) -> str: ...
