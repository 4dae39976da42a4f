"""Projection of `usage.events`: each batch's quantities per hour and meter."""

from __future__ import annotations

from datetime import UTC, datetime

from projector.projections.accounts import UnknownEventError
from projector.projections.changes import Change, RecordUsage, UsageContribution
from tessera_common.events import usage as contracts
from tessera_common.events.envelope import EventEnvelope
from tessera_common.events.expectations import Consumes
from tessera_common.events.upcasting import parse_as

# What this projection reads of each event; provider tests hold the producers to it.
CONSUMES: Consumes = {
    "UsageRecorded": {
        "batch_id": "uuid", "tenant_id": "uuid", "hourly[].hour": "date-time",
        "hourly[].meter": "string", "hourly[].quantity": "integer", "totals[].period": "string",
        "totals[].meter": "string", "totals[].quantity": "integer",
    },
}  # fmt: skip


def project_usage(event: EventEnvelope) -> list[Change]:
    if event.event_type != contracts.UsageRecorded.event_type:
        raise UnknownEventError(event.event_type)
    recorded = parse_as(contracts.UsageRecorded, event)
    if recorded.hourly:
        contributions = tuple(
            UsageContribution(hour.hour.astimezone(UTC), hour.meter.value, hour.quantity)
            for hour in recorded.hourly
        )
    else:
        # Events from before hourly totals existed carry months only: their quantities
        # count in the first hour of their month.
        contributions = tuple(
            UsageContribution(_month_start(total.period), total.meter.value, total.quantity)
            for total in recorded.totals
        )
    return [RecordUsage(recorded.batch_id, recorded.tenant_id, contributions)]


def _month_start(period: str) -> datetime:
    year, month = (int(part) for part in period.split("-"))
    return datetime(year, month, 1, tzinfo=UTC)
