"""Every usage command handler, on in-memory shards: a tenant's batch, and the gateway's
flush of many tenants' records, stored once per event id on the tenant's regional shard."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import TypeVar

import pytest
from fakes import REGION_GROUPS, FakeUsageUnitOfWork, RegionalTenantShards

from tessera_common.commands.runner import Handler
from tessera_common.commands.unit_of_work import Origin
from tessera_common.domain_errors import InvalidFieldError
from tessera_common.events.topics import USAGE_EVENTS
from tessera_common.events.upcasting import parse_as
from tessera_common.events.usage import UsageRecorded
from tessera_common.testing.clock import FrozenClock
from tessera_common.testing.shards import InMemoryShards
from tessera_common.vocabulary import Meter, Region
from usage.app.record_metered import RecordMetered, TenantOutcome, TenantRecords, record_metered
from usage.app.record_usage import Recorded, RecordUsage, record_usage
from usage.bootstrap import commands_on
from usage.domain.batch import UsageRecord

R = TypeVar("R")
NOW = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)


class Usage:
    """The usage handlers on in-memory shards, tenants placed by region, and a clock."""

    def __init__(self) -> None:
        self.shards = InMemoryShards()
        self.commands = commands_on(
            lambda origin: FakeUsageUnitOfWork(self.shards, origin),
            tenant_shards=RegionalTenantShards(),
            retention_months=13,
            clock=FrozenClock(NOW),
        )
        self.correlation_id = uuid.uuid4()

    async def run(self, handler: Handler[R], cmd: object) -> R:
        return (await self.commands.run(handler, cmd, Origin(self.correlation_id))).result

    def recorded(self) -> list[UsageRecorded]:
        events = self.shards.published(USAGE_EVENTS)
        assert {e.correlation_id for e in events} <= {self.correlation_id}
        return [parse_as(UsageRecorded, event) for event in events]


def record(quantity: int = 1, *, at: datetime = NOW - timedelta(minutes=5)) -> UsageRecord:
    return UsageRecord(uuid.uuid4(), Meter.API_CALLS, quantity, at)


@pytest.fixture
def usage() -> Usage:
    return Usage()


async def test_a_batch_is_stored_on_the_regional_shard_and_published_with_its_totals(
    usage: Usage,
) -> None:
    tenant = uuid.uuid4()
    records = (record(3), record(4), record(5, at=NOW - timedelta(days=40)))

    recorded = await usage.run(record_usage, RecordUsage(tenant, Region.APAC, records))

    assert recorded == Recorded(accepted=3, duplicates=0)
    assert len(usage.shards["shard-2"].tables["usage"]) == 3
    (event,) = usage.recorded()
    assert (event.tenant_id, event.records) == (tenant, 3)
    assert {(t.period, t.quantity) for t in event.totals} == {("2026-03", 7), ("2026-01", 5)}


async def test_a_batch_sent_again_counts_duplicates_and_publishes_nothing(usage: Usage) -> None:
    tenant, first = uuid.uuid4(), record(2)
    batch = RecordUsage(tenant, Region.US_EAST, (first, first, record(1)))

    once = await usage.run(record_usage, batch)
    again = await usage.run(record_usage, batch)

    assert once == Recorded(accepted=2, duplicates=1)
    assert again == Recorded(accepted=0, duplicates=3)
    assert len(usage.recorded()) == 1


async def test_one_invalid_record_refuses_the_whole_batch(usage: Usage) -> None:
    too_old = record(at=NOW - timedelta(days=3 * 365))
    with pytest.raises(InvalidFieldError, match=r"records\[1\]\.occurred_at"):
        await usage.run(
            record_usage, RecordUsage(uuid.uuid4(), Region.EU_WEST, (record(), too_old))
        )
    assert usage.recorded() == []


async def test_a_flush_stores_each_tenant_on_its_shard_and_refuses_an_invalid_one_alone(
    usage: Usage,
) -> None:
    east, west, refused = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    known = record(6)
    await usage.run(record_usage, RecordUsage(west, Region.EU_WEST, (known,)))
    flush = RecordMetered(
        (
            TenantRecords(east, Region.US_EAST, (record(1), record(2))),
            TenantRecords(refused, Region.APAC, (record(), record(at=NOW + timedelta(hours=1)))),
            TenantRecords(west, Region.EU_WEST, (known, record(3))),
        )
    )

    outcomes = await usage.run(record_metered, flush)

    assert outcomes[0] == TenantOutcome(east, accepted=2, duplicates=0)
    assert outcomes[1].accepted == 0
    assert outcomes[1].refused is not None
    assert "records[1].occurred_at" in outcomes[1].refused
    assert outcomes[2] == TenantOutcome(west, accepted=1, duplicates=1)
    assert sorted(e.tenant_id.int for e in usage.recorded()[1:]) == sorted([east.int, west.int])
    assert usage.shards[REGION_GROUPS.place(east, Region.US_EAST)].tables["usage"]
