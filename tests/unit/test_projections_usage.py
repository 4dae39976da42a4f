"""The usage projection: a batch's hourly contributions, from new and from month-only events."""

import uuid
from datetime import UTC, datetime, timedelta, timezone

from projector.projections.changes import RecordUsage, UsageContribution
from projector.projections.usage import project_usage
from tessera_common.events import usage as contracts
from tessera_common.events.envelope import EventEnvelope, new_event
from tessera_common.vocabulary import Meter
from usage.domain.batch import UsageRecord, hourly_totals, monthly_totals

TENANT = uuid.uuid4()
NOW = datetime(2026, 11, 28, 15, 42, tzinfo=UTC)
HOUR = timedelta(hours=1)


def recorded(payload: contracts.UsageRecorded) -> EventEnvelope:
    return new_event(
        payload, tenant_id=TENANT, aggregate_type="usage_batch", aggregate_id=payload.batch_id,
        aggregate_version=1, correlation_id=payload.batch_id,
    )  # fmt: skip


def test_records_are_totalled_per_utc_hour_and_meter() -> None:
    plus_two = timezone(timedelta(hours=2))
    late = datetime(2026, 11, 28, 17, 59, tzinfo=plus_two)
    records = [
        UsageRecord(uuid.uuid4(), Meter.API_CALLS, 3, NOW),
        UsageRecord(uuid.uuid4(), Meter.API_CALLS, 4, NOW.replace(minute=1)),
        UsageRecord(uuid.uuid4(), Meter.API_CALLS, 5, late),
        UsageRecord(uuid.uuid4(), Meter.SEATS, 1, NOW),
    ]  # fmt: skip
    hour = NOW.replace(minute=0)
    assert hourly_totals(records) == {
        (hour, Meter.API_CALLS): 12,  # 17:59 at +02:00 is 15:59 UTC
        (hour, Meter.SEATS): 1,
    }


def test_months_are_totalled_from_the_utc_hours() -> None:
    plus_two = timezone(timedelta(hours=2))
    times = [
        datetime(2026, 12, 1, 1, 30, tzinfo=plus_two),
        datetime(2026, 12, 1, 2, 0, tzinfo=plus_two),
        datetime(1969, 12, 31, 23, 59, tzinfo=UTC),
    ]
    records = [
        UsageRecord(uuid.uuid4(), Meter.API_CALLS, n, t)
        for n, t in zip([3, 4, 5], times, strict=True)
    ]
    hourly = hourly_totals(records)
    assert hourly == {
        (datetime(2026, 11, 30, 23, tzinfo=UTC), Meter.API_CALLS): 3,  # 01:30 at +02:00
        (datetime(2026, 12, 1, 0, tzinfo=UTC), Meter.API_CALLS): 4,
        (datetime(1969, 12, 31, 23, tzinfo=UTC), Meter.API_CALLS): 5,
    }
    assert monthly_totals(hourly) == {
        ("2026-11", Meter.API_CALLS): 3, ("2026-12", Meter.API_CALLS): 4,
        ("1969-12", Meter.API_CALLS): 5,
    }  # fmt: skip


def test_a_batch_becomes_its_hourly_contributions() -> None:
    batch = uuid.uuid4()
    hour = NOW.replace(minute=0)
    payload = contracts.UsageRecorded(
        batch_id=batch, tenant_id=TENANT, records=3, recorded_at=NOW,
        totals=[contracts.UsageTotal(period="2026-11", meter=Meter.API_CALLS, quantity=9)],
        hourly=[
            contracts.UsageHourTotal(hour=hour - HOUR, meter=Meter.API_CALLS, quantity=2),
            contracts.UsageHourTotal(hour=hour, meter=Meter.API_CALLS, quantity=7),
        ],
    )  # fmt: skip
    assert project_usage(recorded(payload)) == [
        RecordUsage(
            batch, TENANT,
            (UsageContribution(hour - HOUR, "api_calls", 2),
             UsageContribution(hour, "api_calls", 7)),
        )
    ]  # fmt: skip


def test_an_event_without_hours_counts_in_the_first_hour_of_its_months() -> None:
    batch = uuid.uuid4()
    payload = contracts.UsageRecorded(
        batch_id=batch, tenant_id=TENANT, records=2, recorded_at=NOW,
        totals=[
            contracts.UsageTotal(period="2026-10", meter=Meter.API_CALLS, quantity=4),
            contracts.UsageTotal(period="2026-11", meter=Meter.SEATS, quantity=1),
        ],
    )  # fmt: skip
    event = recorded(payload)
    event.payload.pop("hourly")  # as published before hourly totals existed
    assert project_usage(event) == [
        RecordUsage(
            batch, TENANT,
            (UsageContribution(datetime(2026, 10, 1, tzinfo=UTC), "api_calls", 4),
             UsageContribution(datetime(2026, 11, 1, tzinfo=UTC), "seats", 1)),
        )
    ]  # fmt: skip
