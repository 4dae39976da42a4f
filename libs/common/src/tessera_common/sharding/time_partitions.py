"""Time-based sharding: usage records live in monthly range partitions, created ahead."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import MAXYEAR, MINYEAR, UTC, datetime

_TABLE_NAME = re.compile(r"[a-z_][a-z0-9_]*")
# Postgres silently truncates identifiers past 63 bytes; "_YYYY_MM" adds 8.
_MAX_TABLE_LENGTH = 63 - len("_YYYY_MM")


def _checked_table(table: str) -> str:
    if not _TABLE_NAME.fullmatch(table) or len(table) > _MAX_TABLE_LENGTH:
        raise ValueError(f"not a plain lower-case table name: {table!r}")
    return table


def _quoted(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


@dataclass(frozen=True, order=True)
class MonthlyPartition:
    """One calendar month of rows, [start, end) in UTC."""

    year: int
    month: int

    def __post_init__(self) -> None:
        if not 1 <= self.month <= 12:
            raise ValueError(f"month must be 1..12, got {self.month}")
        # MAXYEAR itself is out: December's end would be a datetime Python cannot hold.
        if not MINYEAR <= self.year < MAXYEAR:
            raise ValueError(f"year must be {MINYEAR}..{MAXYEAR - 1}, got {self.year}")

    @property
    def start(self) -> datetime:
        return datetime(self.year, self.month, 1, tzinfo=UTC)

    @property
    def end(self) -> datetime:
        """The next month's start: exclusive."""
        return self.shifted(1).start

    def shifted(self, months: int) -> MonthlyPartition:
        """The partition `months` later (earlier when negative)."""
        year, month_index = divmod(self.year * 12 + self.month - 1 + months, 12)
        return MonthlyPartition(year, month_index + 1)

    def contains(self, ts: datetime) -> bool:
        return self.start <= ts < self.end

    def name(self, table: str) -> str:
        """The partition's table name, e.g. `usage_records_2026_11`."""
        return f"{_checked_table(table)}_{self.year:04d}_{self.month:02d}"


def partition_for(ts: datetime) -> MonthlyPartition:
    """The partition holding `ts`; ValueError for a naive datetime."""
    if ts.tzinfo is None or ts.utcoffset() is None:
        raise ValueError(f"naive datetime has no place on the timeline: {ts!r}")
    utc = ts.astimezone(UTC)
    return MonthlyPartition(utc.year, utc.month)


def partitions_ahead(now: datetime, months_ahead: int) -> list[MonthlyPartition]:
    """The current month's partition and the `months_ahead` after it, oldest first."""
    if months_ahead < 0:
        raise ValueError(f"months_ahead must not be negative, got {months_ahead}")
    current = partition_for(now)
    return [current.shifted(i) for i in range(months_ahead + 1)]


def expired(
    partitions: Iterable[MonthlyPartition], now: datetime, retention_months: int
) -> list[MonthlyPartition]:
    """Partitions whose rows are all older than the window: end + retention_months <= now."""
    if retention_months < 0:
        raise ValueError(f"retention_months must not be negative, got {retention_months}")
    # Ends fall on month starts, so comparing months is exact: a partition expires at
    # the first instant of the month `retention_months` after its end.
    oldest_kept = partition_for(now).shifted(-retention_months)
    return sorted(p for p in partitions if p < oldest_kept)


def create_partition_sql(table: str, partition: MonthlyPartition) -> str:
    """DDL creating `partition` of the range-partitioned `table`, idempotently."""
    bounds = (partition.start.isoformat(sep=" "), partition.end.isoformat(sep=" "))
    return (
        f"CREATE TABLE IF NOT EXISTS {_quoted(partition.name(table))} "
        f"PARTITION OF {_quoted(_checked_table(table))} "
        f"FOR VALUES FROM ('{bounds[0]}') TO ('{bounds[1]}')"
    )
