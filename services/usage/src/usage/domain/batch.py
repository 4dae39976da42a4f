"""A batch of usage records: bounded, deduplicated by event id, totalled per month and meter."""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from tessera_common.domain_errors import InvalidFieldError
from tessera_common.sharding.time_partitions import partition_for
from tessera_common.vocabulary import Meter
from usage.domain.events import BatchRecorded
from usage.domain.records import UsageRecord

__all__ = ["Batch", "UsageRecord", "hourly_totals", "monthly_totals", "oldest_kept"]

MAX_RECORDS = 10_000
MAX_QUANTITY = 1_000_000_000
CLOCK_SKEW = timedelta(minutes=5)
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_HOUR = timedelta(hours=1)


def oldest_kept(now: datetime, retention_months: int) -> datetime:
    """The first moment of the oldest month a record may still be stored in."""
    return partition_for(now).shifted(-retention_months).start


@dataclass(frozen=True)
class Batch:
    tenant_id: uuid.UUID
    records: tuple[UsageRecord, ...]
    repeated_in_batch: int  # same event id twice in one batch: kept once
    events: list[BatchRecorded] = field(default_factory=list, repr=False, compare=False)

    @classmethod
    def accept(
        cls,
        tenant_id: uuid.UUID,
        records: list[UsageRecord],
        *,
        now: datetime,
        oldest: datetime,
    ) -> Batch:
        """Check every record (a bad one refuses the whole batch: no partial write)."""
        if not 1 <= len(records) <= MAX_RECORDS:
            raise InvalidFieldError("records", f"send 1 to {MAX_RECORDS} records")
        for index, record in enumerate(records):
            where = f"records[{index}]"
            if not 0 < record.quantity <= MAX_QUANTITY:
                raise InvalidFieldError(f"{where}.quantity", f"must be 1..{MAX_QUANTITY}")
            if record.occurred_at.tzinfo is None:
                raise InvalidFieldError(f"{where}.occurred_at", "needs a time zone")
            if record.occurred_at > now + CLOCK_SKEW:
                raise InvalidFieldError(f"{where}.occurred_at", "is in the future")
            if record.occurred_at < oldest:
                raise InvalidFieldError(f"{where}.occurred_at", "is older than the retention")
        unique = {record.event_id: record for record in reversed(records)}
        kept = tuple(record for record in records if unique.get(record.event_id) is record)
        return cls(tenant_id, kept, len(records) - len(kept))

    @property
    def sent(self) -> int:
        """The records as the client sent them, repeats within the batch included."""
        return len(self.records) + self.repeated_in_batch

    def stored(self, new: list[UsageRecord], now: datetime) -> None:
        """Record which of its records were new; a fact only if any were."""
        if new:
            self.events.append(BatchRecorded(self.tenant_id, tuple(new), now))


def hourly_totals(
    records: tuple[UsageRecord, ...] | list[UsageRecord],
) -> dict[tuple[datetime, Meter], int]:
    """Quantity per (hour start in UTC, meter)."""
    summed: Counter[tuple[int, Meter]] = Counter()
    for record in records:  # whole hours since 1970: exact, and cheap per record
        summed[((record.occurred_at - _EPOCH) // _HOUR, record.meter)] += record.quantity
    return {(_EPOCH + hours * _HOUR, meter): q for (hours, meter), q in summed.items()}


def monthly_totals(
    hourly: Mapping[tuple[datetime, Meter], int],
) -> dict[tuple[str, Meter], int]:
    """Quantity per (month "YYYY-MM" in UTC, meter), from the hourly totals."""
    summed: Counter[tuple[str, Meter]] = Counter()
    for (hour, meter), quantity in hourly.items():
        summed[(f"{hour.year:04d}-{hour.month:02d}", meter)] += quantity
    return dict(summed)
