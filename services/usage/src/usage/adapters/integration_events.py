"""A stored batch -> the published `UsageRecorded` event."""

from __future__ import annotations

import uuid
from datetime import datetime

from tessera_common.events.envelope import EventEnvelope, new_event
from tessera_common.events.usage import UsageHourTotal, UsageRecorded, UsageTotal
from usage.domain.batch import UsageRecord, hourly_totals, totals


def usage_recorded(tenant_id: uuid.UUID, new: list[UsageRecord], now: datetime) -> EventEnvelope:
    """What a batch added (its new records only), per month and meter, and per hour and meter."""
    batch_id = uuid.uuid4()
    payload = UsageRecorded(
        batch_id=batch_id,
        tenant_id=tenant_id,
        totals=[
            UsageTotal(period=period, meter=meter, quantity=quantity)
            for (period, meter), quantity in sorted(totals(new).items())
        ],
        records=len(new),
        recorded_at=now,
        hourly=[
            UsageHourTotal(hour=hour, meter=meter, quantity=quantity)
            for (hour, meter), quantity in sorted(hourly_totals(new).items())
        ],
    )
    return new_event(
        payload, tenant_id=tenant_id, aggregate_type="usage_batch", aggregate_id=batch_id,
        aggregate_version=1, correlation_id=batch_id,
    )  # fmt: skip
