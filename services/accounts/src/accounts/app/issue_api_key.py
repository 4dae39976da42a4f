"""IssueApiKey: a new key for an active tenant, its plaintext shown to the caller once."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from accounts.app._tenants import open_tenant
from accounts.app.ports import Clock, Directory, UnitOfWork
from accounts.domain.api_key import ApiKey


@dataclass(frozen=True)
class IssueApiKey:
    tenant_id: uuid.UUID


@dataclass(frozen=True)
class IssuedApiKey:
    key: ApiKey
    plaintext: str


async def issue_api_key(
    cmd: IssueApiKey, uow: UnitOfWork, directory: Directory, clock: Clock
) -> IssuedApiKey:
    tenant = await open_tenant(cmd.tenant_id, uow, directory)
    key, plaintext = tenant.issue_api_key(clock())
    await uow.api_keys.add(key)
    return IssuedApiKey(key, plaintext)
