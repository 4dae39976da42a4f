"""The documents the read side keeps in Redis: their keys and their shape, shared by the
projector (writer) and the readers. The read models as sets of tables are the projector's
(projector/read_models.py)."""

import hashlib
import uuid
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson

from tessera_common.timestamps import rfc3339


def tenant_profile_key(tenant_id: uuid.UUID | str) -> str:
    return f"tessera:tenant:{tenant_id}"


def api_key_digest_key(digest: str) -> str:
    return f"tessera:apikey:{digest}"


def usage_totals_key(tenant_id: uuid.UUID | str) -> str:
    """A hash of the tenant's monthly usage: field "YYYY-MM/meter" → quantity."""
    return f"tessera:usage:{tenant_id}"


def usage_rollups_key(tenant_id: uuid.UUID | str) -> str:
    """Announced when a tenant's usage rollups change; nothing is stored under it."""
    return f"tessera:usage-rollups:{tenant_id}"


def live_usage_key(tenant_id: uuid.UUID | str, hour: datetime) -> str:
    """A hash of the tenant's usage in one recent hour (UTC): field meter → quantity."""
    return f"tessera:usage-live:{tenant_id}:{hour:%Y-%m-%dT%H}"


def erasure_marker_key(tenant_id: uuid.UUID | str) -> str:
    """Marks a recent erasure; hashed, so no key names the erased tenant."""
    return f"tessera:erased:{hashlib.sha256(str(tenant_id).encode()).hexdigest()[:32]}"


LIVE_USAGE_HOURS = 3  # the live counters cover the current hour and the two before it


def recent_hours(now: datetime | None = None) -> list[datetime]:
    """The hours (UTC starts) the live usage counters cover, newest first."""
    current = (now or datetime.now(UTC)).astimezone(UTC).replace(minute=0, second=0, microsecond=0)
    return [current - timedelta(hours=back) for back in range(LIVE_USAGE_HOURS)]


def tenant_profile(row: Mapping[str, Any]) -> dict[str, Any]:
    """A tenant row of the read DB as the profile clients read."""
    return {
        "tenant_id": str(row["id"]),
        "name": row["name"],
        "region": row["region"],
        "plan": row["plan"],
        "currency": row["currency"],
        "status": row["status"],
        "version": row["version"],
        "user_count": row["user_count"],
        "created_at": rfc3339(row["created_at"]),
        "updated_at": rfc3339(row["updated_at"]),
    }


def tenant_profile_document(row: Mapping[str, Any]) -> bytes:
    """The profile as stored in Redis: deterministic bytes, so a replay writes the same."""
    return encode_document(tenant_profile(row))


def encode_document(document: Mapping[str, Any]) -> bytes:
    """A read-model document as Redis holds it: JSON with sorted keys."""
    return orjson.dumps(document, option=orjson.OPT_SORT_KEYS)
