"""What one place holds of a tenant: a shard, a read model, the query API."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class TenantView:
    """A tenant as one place shows it (None where that place does not have it)."""

    name: str | None = None
    version: int | None = None
    user_count: int | None = None
    users: list[tuple[str, str]] = field(default_factory=list)  # (user id, email), each row
    key_ids: list[str] = field(default_factory=list)
    usage_total: int = 0  # of the workload's meter
    usage_events: list[str] = field(default_factory=list)  # event ids, each row (shards only)

    @property
    def profile(self) -> tuple[str | None, int | None, int | None]:
        return (self.name, self.version, self.user_count)


@dataclass(frozen=True)
class Event:
    """An event on a topic, where it was read."""

    offset: int
    event_id: str
    event_type: str
    aggregate_id: str
    aggregate_version: int
    payload: dict[str, Any]


@dataclass
class Observation:
    """Everything the checker compares, for every tenant of the workload."""

    shards: dict[str, TenantView]
    read_db: dict[str, TenantView]
    redis: dict[str, TenantView]
    api: dict[str, TenantView]
    events: dict[str, list[Event]]  # a tenant's events in topic order
    redis_digests: set[str]  # API key digests Redis answers for
    lag: int  # the projector group's consumer lag, in messages
