"""Usage domain events -> published contracts: a stored batch is one `UsageRecorded`."""

from __future__ import annotations

import uuid

from tessera_common.events.envelope import IntegrationEvent
from tessera_common.events.usage import UsageHourTotal, UsageRecorded, UsageTotal
from usage.domain.batch import hourly_totals, monthly_totals
from usage.domain.events import BatchRecorded


def integration_event(event: BatchRecorded) -> IntegrationEvent:
    """What a batch added (its new records only), per month and meter, and per hour and meter."""
    batch_id = uuid.uuid4()
    hourly = hourly_totals(event.records)
    payload = UsageRecorded(
        batch_id=batch_id,
        tenant_id=event.tenant_id,
        totals=[
            UsageTotal(period=period, meter=meter, quantity=quantity)
            for (period, meter), quantity in sorted(monthly_totals(hourly).items())
        ],
        records=len(event.records),
        recorded_at=event.recorded_at,
        hourly=[
            UsageHourTotal(hour=hour, meter=meter, quantity=quantity)
            for (hour, meter), quantity in sorted(hourly.items())
        ],
    )
    return IntegrationEvent(payload, event.tenant_id, "usage_batch", batch_id, 1)
