"""VerifyApiKey: the authoritative answer to "whose key is this digest, and is it live?"."""

from __future__ import annotations

import uuid

from accounts.app.ports import Directory, UnitOfWorkFactory
from accounts.domain.api_key import ApiKey
from tessera_common.vocabulary import Region


async def verify_api_key(
    tenant_id: uuid.UUID, digest: str, uow_factory: UnitOfWorkFactory, directory: Directory
) -> tuple[ApiKey, Region] | None:
    """The key and its tenant's region, or None for a key this tenant never had."""
    placement = await directory.find(tenant_id)
    if placement is None:
        return None
    async with uow_factory(placement.shard, uuid.uuid4()) as uow:
        key = await uow.api_keys.find_by_digest(digest)
    if key is None or key.tenant_id != tenant_id:
        return None
    return key, placement.region
