"""VerifyApiKey: the authoritative answer to "whose key is this digest, and is it live?"."""

from __future__ import annotations

import uuid

from accounts.app.ports import Directory, UnitOfWorkFactory
from accounts.domain.api_key import ApiKey


async def verify_api_key(
    tenant_id: uuid.UUID, digest: str, uow_factory: UnitOfWorkFactory, directory: Directory
) -> ApiKey | None:
    placement = await directory.find(tenant_id)
    if placement is None:
        return None
    async with uow_factory(placement.shard, uuid.uuid4()) as uow:
        key = await uow.api_keys.find_by_digest(digest)
    return key if key is not None and key.tenant_id == tenant_id else None
