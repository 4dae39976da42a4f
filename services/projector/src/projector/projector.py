"""Applies batches of events to every read model: Postgres first, then Redis."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from prometheus_client import Counter, Histogram

from projector.projections.accounts import project_accounts
from projector.projections.billing import project_billing
from projector.projections.changes import Change
from projector.projections.usage import project_usage
from projector.read_models import READ_MODEL_OF_TOPIC
from projector.stores.postgres import PostgresReadStore
from projector.stores.redis import RedisReadStore
from tessera_common.events.envelope import EventEnvelope
from tessera_common.events.topics import ACCOUNTS_EVENTS, BILLING_EVENTS, USAGE_EVENTS
from tessera_common.kafka.policies import failure_text

LAG_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60)

PROJECTION_LAG = Histogram(
    "tessera_projection_lag_seconds",
    "Time from an event's occurred_at to its effect in a read model, per store.",
    ["read_model", "store"],
    buckets=LAG_BUCKETS,
)
EVENTS_APPLIED = Counter(
    "tessera_projector_events_applied_total", "Events applied, by topic.", ["topic"]
)
BATCH_SECONDS = Histogram(
    "tessera_projector_batch_duration_seconds", "Time to apply one batch.", ["topic"]
)


PROJECTIONS: dict[str, Callable[[EventEnvelope], list[Change]]] = {
    ACCOUNTS_EVENTS: project_accounts,
    BILLING_EVENTS: project_billing,
    USAGE_EVENTS: project_usage,
}


@dataclass(frozen=True)
class Projected:
    event: EventEnvelope
    changes: list[Change]


@dataclass(frozen=True)
class Rejected:
    """A poison event: it cannot be parsed or projected, and goes to the dead-letter topic."""

    raw: bytes
    error: str


def triage(topic: str, raw_events: Sequence[bytes]) -> tuple[list[Projected], list[Rejected]]:
    """Parse and project each event (pure); keep order, set poison events aside."""
    projection = PROJECTIONS[topic]
    projected: list[Projected] = []
    rejected: list[Rejected] = []
    for raw in raw_events:
        try:
            event = EventEnvelope.from_json(raw)
            projected.append(Projected(event, projection(event)))
        except (ValueError, TypeError) as exc:
            rejected.append(Rejected(raw, failure_text(exc)))
    return projected, rejected


@dataclass
class Projector:
    postgres: PostgresReadStore
    redis: RedisReadStore

    async def apply(self, topic: str, batch: Sequence[Projected]) -> None:
        """Apply a batch in order; the caller acknowledges offsets only after this returns."""
        if not batch:
            return
        started = time.perf_counter()
        events = [projected.event for projected in batch]
        changes = [change for projected in batch for change in projected.changes]
        read_model = READ_MODEL_OF_TOPIC[topic]
        delta = await self.postgres.apply(changes)
        self._observe_lag(read_model, "postgres", events)
        await self.redis.write(delta)
        self._observe_lag(read_model, "redis", events)
        EVENTS_APPLIED.labels(topic).inc(len(events))
        BATCH_SECONDS.labels(topic).observe(time.perf_counter() - started)

    @staticmethod
    def _observe_lag(read_model: str, store: str, events: Sequence[EventEnvelope]) -> None:
        now = datetime.now(UTC)
        lag = PROJECTION_LAG.labels(read_model, store)
        for event in events:
            lag.observe((now - event.occurred_at).total_seconds())
