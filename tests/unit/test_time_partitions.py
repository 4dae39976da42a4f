"""Monthly range partitions for usage records: bounds, naming, creation ahead and expiry."""

from datetime import UTC, datetime, timedelta, timezone
from itertools import pairwise

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tessera_common.sharding import (
    MonthlyPartition,
    create_partition_sql,
    expired,
    partition_for,
    partitions_ahead,
)

# Kept a year clear of datetime's limits so neighbouring months and offsets stay representable.
utc_instants = st.datetimes(
    min_value=datetime(1970, 1, 1), max_value=datetime(9997, 12, 31), timezones=st.just(UTC)
)
offsets = st.builds(
    timezone, st.timedeltas(min_value=-timedelta(hours=23), max_value=timedelta(hours=23))
)
MICROSECOND = timedelta(microseconds=1)


def utc(year: int, month: int, day: int) -> datetime:
    return datetime(year, month, day, tzinfo=UTC)


@given(ts=utc_instants)
def test_every_instant_falls_in_exactly_one_partition(ts: datetime) -> None:
    partition = partition_for(ts)
    assert partition.start <= ts < partition.end
    assert partition.contains(ts)
    assert not partition.shifted(-1).contains(ts)
    assert not partition.shifted(1).contains(ts)


@given(ts=utc_instants, offset=offsets)
def test_the_partition_is_chosen_by_the_utc_instant_not_the_local_wall_clock(
    ts: datetime, offset: timezone
) -> None:
    assert partition_for(ts.astimezone(offset)) == partition_for(ts)


def test_bounds_are_utc_month_starts_with_an_exclusive_end() -> None:
    november = MonthlyPartition(2026, 11)
    assert november.start == utc(2026, 11, 1)
    assert november.end == utc(2026, 12, 1)
    assert november.start.utcoffset() == timedelta(0)
    assert partition_for(utc(2026, 12, 1) - MICROSECOND) == november
    assert partition_for(utc(2026, 12, 1)) == MonthlyPartition(2026, 12)


def test_december_rolls_over_into_january() -> None:
    december = MonthlyPartition(2026, 12)
    assert december.end == utc(2027, 1, 1)
    assert december.shifted(1) == MonthlyPartition(2027, 1)
    assert MonthlyPartition(2027, 1).shifted(-1) == december
    assert partition_for(datetime(2026, 12, 31, 23, 59, 59, 999_999, tzinfo=UTC)) == december
    assert partition_for(utc(2027, 1, 1)) == MonthlyPartition(2027, 1)
    assert partitions_ahead(utc(2026, 12, 15), 1) == [december, MonthlyPartition(2027, 1)]


@given(now=utc_instants, months_ahead=st.integers(min_value=0, max_value=36))
def test_partitions_ahead_are_contiguous_from_the_current_month(
    now: datetime, months_ahead: int
) -> None:
    ahead = partitions_ahead(now, months_ahead)
    assert len(ahead) == months_ahead + 1
    assert ahead[0].contains(now)
    assert all(earlier.end == later.start for earlier, later in pairwise(ahead))


@given(now=utc_instants, retention=st.integers(min_value=0, max_value=24))
def test_expiry_keeps_the_current_month_and_the_retention_window_before_it(
    now: datetime, retention: int
) -> None:
    current = partition_for(now)
    history = [current.shifted(-age) for age in range(retention + 6)]
    assert expired(history, now, retention) == sorted(history[retention + 1 :])


@pytest.mark.parametrize(
    ("now", "is_expired"),
    [
        (datetime(2026, 10, 31, 23, 59, 59, 999_999, tzinfo=UTC), False),
        (utc(2026, 11, 1), True),
    ],
)
def test_expiry_starts_exactly_retention_months_after_the_partition_ends(
    now: datetime, is_expired: bool
) -> None:
    # October 2025 ends on 2025-11-01; twelve months later its newest row leaves the window.
    october = MonthlyPartition(2025, 10)
    assert (expired([october], now, retention_months=12) == [october]) is is_expired


def test_with_no_retention_a_month_expires_as_soon_as_it_ends() -> None:
    november = MonthlyPartition(2026, 11)
    assert expired([november], utc(2026, 12, 1) - MICROSECOND, 0) == []
    assert expired([november], utc(2026, 12, 1), 0) == [november]


def test_partition_names_and_ddl_for_a_known_month() -> None:
    november = MonthlyPartition(2026, 11)
    assert november.name("usage_records") == "usage_records_2026_11"
    assert MonthlyPartition(987, 3).name("usage_records") == "usage_records_0987_03"
    assert create_partition_sql("usage_records", november) == (
        'CREATE TABLE IF NOT EXISTS "usage_records_2026_11" PARTITION OF "usage_records" '
        "FOR VALUES FROM ('2026-11-01 00:00:00+00:00') TO ('2026-12-01 00:00:00+00:00')"
    )


@pytest.mark.parametrize(
    "table",
    ["", "Usage", "1usage", "usage-records", "usage records", 'x"; DROP TABLE t; --', "a" * 56],
)
def test_a_table_name_that_is_not_a_plain_identifier_is_refused(table: str) -> None:
    november = MonthlyPartition(2026, 11)
    with pytest.raises(ValueError, match="table name"):
        november.name(table)
    with pytest.raises(ValueError, match="table name"):
        create_partition_sql(table, november)


def test_the_longest_table_name_still_fits_postgres_identifiers() -> None:
    assert len(MonthlyPartition(2026, 11).name("a" * 55)) == 63


def test_a_naive_datetime_is_refused() -> None:
    with pytest.raises(ValueError, match="naive"):
        partition_for(datetime(2026, 11, 5))
    with pytest.raises(ValueError, match="naive"):
        partitions_ahead(datetime(2026, 11, 5), 2)


@pytest.mark.parametrize(("year", "month"), [(2026, 0), (2026, 13), (0, 1), (9999, 1)])
def test_a_month_outside_the_calendar_is_refused(year: int, month: int) -> None:
    with pytest.raises(ValueError, match="must be"):
        MonthlyPartition(year, month)


def test_negative_counts_are_refused() -> None:
    with pytest.raises(ValueError, match="months_ahead"):
        partitions_ahead(utc(2026, 11, 5), -1)
    with pytest.raises(ValueError, match="retention_months"):
        expired([], utc(2026, 11, 5), -1)
