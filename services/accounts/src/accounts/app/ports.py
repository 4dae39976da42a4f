"""What the handlers need from the outside world, as protocols (adapters implement them)."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime
from types import TracebackType
from typing import Protocol, Self

from accounts.domain.api_key import ApiKey
from accounts.domain.tenant import Tenant
from accounts.domain.user import User
from tessera_common.db.directory import Placement
from tessera_common.events.envelope import EventEnvelope
from tessera_common.vocabulary import Region

Clock = Callable[[], datetime]


class TenantStore(Protocol):
    async def get(self, tenant_id: uuid.UUID) -> Tenant | None: ...

    async def add(self, tenant: Tenant) -> None: ...

    async def update(self, tenant: Tenant, expected_version: int) -> None: ...

    async def erase(self, tenant: Tenant, expected_version: int) -> None: ...


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


class UnitOfWork(Protocol):
    @property
    def tenants(self) -> TenantStore: ...

    @property
    def users(self) -> UserStore: ...

    @property
    def api_keys(self) -> ApiKeyStore: ...

    async def __aenter__(self) -> Self: ...

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...

    async def first_delivery(self, consumer: str, event_id: uuid.UUID) -> bool: ...

    def stage(self, tenant: Tenant) -> list[EventEnvelope]: ...

    async def finish(self, outcome: object) -> None: ...


UnitOfWorkFactory = Callable[[str, uuid.UUID], UnitOfWork]


class Directory(Protocol):
    async def place(self, placement: Placement) -> Placement: ...

    async def find(self, tenant_id: uuid.UUID) -> Placement | None: ...


class Placer(Protocol):
    def place(self, tenant_id: uuid.UUID, region: Region) -> str: ...
