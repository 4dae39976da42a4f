"""VerifyApiKey: the authoritative answer to "whose key is this digest, and is it live?"."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from accounts.app.ports import Directory, UnitOfWork
from accounts.domain.api_key import ApiKey
from tessera_common.vocabulary import Plan, Region


@dataclass(frozen=True)
class VerifyApiKey:
    tenant_id: uuid.UUID
    digest: str


@dataclass(frozen=True)
class KeyState:
    key: ApiKey
    region: Region
    plan: Plan  # the tenant's: the gateway's rate limit when its read models do not answer


async def verify_api_key(
    query: VerifyApiKey, uow: UnitOfWork, directory: Directory
) -> KeyState | None:
    """The key with its tenant's region and plan, or None for a key this tenant never had."""
    placement = await directory.find(query.tenant_id)
    if placement is None:
        return None
    await uow.open(placement.shard)
    key = await uow.api_keys.find_by_digest(query.digest)
    tenant = await uow.tenants.get(query.tenant_id) if key is not None else None
    if key is None or key.tenant_id != query.tenant_id or tenant is None:
        return None
    return KeyState(key, placement.region, tenant.plan)
