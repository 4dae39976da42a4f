"""The tenant API key format: `tsk_<tenant id hex>_<secret>`, stored as a SHA-256 digest.

The tenant id in the key lets the gateway route its check to the tenant's shard
without a lookup; the 256-bit secret makes a fast digest safe to store.
"""

from __future__ import annotations

import hashlib
import secrets
import uuid

KEY_PREFIX = "tsk"
DISPLAY_PREFIX_LENGTH = 12


def digest_of(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def new_key_plaintext(tenant_id: uuid.UUID) -> str:
    return f"{KEY_PREFIX}_{tenant_id.hex}_{secrets.token_urlsafe(32)}"


def tenant_of_key(key: str) -> uuid.UUID | None:
    """The tenant a well-formed key names, or None for anything else."""
    parts = key.split("_", 2)
    if len(parts) != 3 or parts[0] != KEY_PREFIX or len(parts[1]) != 32 or len(parts[2]) < 32:
        return None
    try:
        return uuid.UUID(hex=parts[1])
    except ValueError:
        return None
