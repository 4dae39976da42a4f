"""Opaque keyset cursors: `(created_at, id)` of the last row, base64url-encoded."""

from __future__ import annotations

import base64
import uuid
from datetime import datetime

from tessera_common.problems import Problem


def encode_cursor(created_at: datetime, row_id: uuid.UUID) -> str:
    raw = f"{created_at.isoformat()}|{row_id}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, uuid.UUID]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        created_at, row_id = raw.split("|")
        return datetime.fromisoformat(created_at), uuid.UUID(row_id)
    except (ValueError, UnicodeDecodeError) as exc:
        raise Problem(
            422,
            "validation-error",
            "Invalid request",
            "invalid field(s): cursor",
            errors=[{"field": "cursor", "message": "not a cursor this API returned"}],
        ) from exc
