"""RevokeApiKey: idempotent; the gateway stops accepting the key within its cache TTL."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from accounts.app._tenants import open_tenant
from accounts.app.ports import Clock, Directory, UnitOfWork
from accounts.domain.api_key import ApiKey
from accounts.domain.errors import ApiKeyNotFoundError


@dataclass(frozen=True)
class RevokeApiKey:
    tenant_id: uuid.UUID
    key_id: uuid.UUID


async def revoke_api_key(
    cmd: RevokeApiKey, uow: UnitOfWork, directory: Directory, clock: Clock
) -> ApiKey:
    tenant = await open_tenant(cmd.tenant_id, uow, directory)
    key = await uow.api_keys.get(tenant.id, cmd.key_id)
    if key is None:
        raise ApiKeyNotFoundError(str(cmd.key_id))
    revoked = tenant.revoke_api_key(key, clock())
    if revoked is not key:
        await uow.api_keys.revoke(revoked)
    return revoked
