"""IssueApiKey and RevokeApiKey."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from accounts.app.ports import Clock, Directory, UnitOfWork, UnitOfWorkFactory
from accounts.app.tenancy import Outcome, on_tenant
from accounts.domain.api_key import ApiKey
from accounts.domain.errors import ApiKeyNotFoundError
from accounts.domain.tenant import Tenant


@dataclass(frozen=True)
class IssueApiKey:
    tenant_id: uuid.UUID
    correlation_id: uuid.UUID


@dataclass(frozen=True)
class RevokeApiKey:
    tenant_id: uuid.UUID
    key_id: uuid.UUID
    correlation_id: uuid.UUID


async def issue_api_key(
    cmd: IssueApiKey, uow_factory: UnitOfWorkFactory, directory: Directory, clock: Clock
) -> Outcome[tuple[ApiKey, str]]:
    """The new key and its plaintext, shown to the caller once."""

    async def change(tenant: Tenant, uow: UnitOfWork) -> tuple[ApiKey, str]:
        key, plaintext = tenant.issue_api_key(clock())
        await uow.api_keys.add(key)
        return key, plaintext

    return await on_tenant(cmd.tenant_id, cmd.correlation_id, directory, uow_factory, change)


async def revoke_api_key(
    cmd: RevokeApiKey, uow_factory: UnitOfWorkFactory, directory: Directory, clock: Clock
) -> Outcome[ApiKey]:
    async def change(tenant: Tenant, uow: UnitOfWork) -> ApiKey:
        key = await uow.api_keys.get(tenant.id, cmd.key_id)
        if key is None:
            raise ApiKeyNotFoundError(str(cmd.key_id))
        revoked = tenant.revoke_api_key(key, clock())
        if revoked is not key:
            await uow.api_keys.revoke(revoked)
        return revoked

    return await on_tenant(cmd.tenant_id, cmd.correlation_id, directory, uow_factory, change)
