"""X-Consistency-Token: which aggregate versions a command produced.

A query that presents the token can wait until the read models have applied
those versions (read-your-writes). The token is opaque to clients.
"""

from __future__ import annotations

import base64
import uuid
from collections.abc import Iterable

import orjson

from tessera_common.events.envelope import EventEnvelope

HEADER = "X-Consistency-Token"
_PREFIX = "ct1."


def consistency_token(events: Iterable[EventEnvelope]) -> str:
    latest: dict[str, int] = {}
    for event in events:
        key = str(event.aggregate_id)
        latest[key] = max(latest.get(key, 0), event.aggregate_version)
    raw = orjson.dumps(sorted(latest.items()))
    return _PREFIX + base64.urlsafe_b64encode(raw).decode().rstrip("=")


def parse_consistency_token(token: str) -> dict[uuid.UUID, int]:
    """Aggregate id -> version; ValueError for a token this code did not issue."""
    if not token.startswith(_PREFIX):
        raise ValueError("unknown consistency token format")
    body = token.removeprefix(_PREFIX)
    try:
        pairs = orjson.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
        return {uuid.UUID(str(aggregate)): int(version) for aggregate, version in pairs}
    except (ValueError, TypeError, orjson.JSONDecodeError) as exc:
        raise ValueError("malformed consistency token") from exc
