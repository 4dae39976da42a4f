"""One clock and one timestamp format on every wire: RFC 3339 in UTC with a `Z`."""

from __future__ import annotations

from datetime import UTC, datetime


def utc_now() -> datetime:
    """The current time in UTC: every service's clock."""
    return datetime.now(UTC)


def rfc3339(moment: datetime) -> str:
    """`2026-05-01T12:00:00.250000Z`: UTC, microseconds only when there are some."""
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")
