"""Tenant API keys: shown once at issue, stored only as a digest, revocable."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from tessera_common.api_keys import DISPLAY_PREFIX_LENGTH, digest_of, new_key_plaintext


@dataclass(frozen=True)
class ApiKey:
    id: uuid.UUID
    tenant_id: uuid.UUID
    digest: str
    prefix: str
    issued_at: datetime
    revoked_at: datetime | None = None


def generate_api_key(tenant_id: uuid.UUID, issued_at: datetime) -> tuple[ApiKey, str]:
    """A new key and its plaintext, which exists only in this return value."""
    plaintext = new_key_plaintext(tenant_id)
    key = ApiKey(
        id=uuid.uuid4(),
        tenant_id=tenant_id,
        digest=digest_of(plaintext),
        prefix=plaintext[:DISPLAY_PREFIX_LENGTH],
        issued_at=issued_at,
    )
    return key, plaintext
