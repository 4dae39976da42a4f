"""A billing period is one UTC calendar month, written strictly as YYYY-MM."""

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from billing.domain.errors import InvalidFieldError
from billing.domain.period import Period

MONTHS = st.builds(
    Period, st.integers(min_value=1970, max_value=9998), st.integers(min_value=1, max_value=12)
)


@pytest.mark.parametrize(
    ("text", "start", "end"),
    [
        ("2026-01", datetime(2026, 1, 1, tzinfo=UTC), datetime(2026, 2, 1, tzinfo=UTC)),
        ("2025-12", datetime(2025, 12, 1, tzinfo=UTC), datetime(2026, 1, 1, tzinfo=UTC)),
        ("2024-02", datetime(2024, 2, 1, tzinfo=UTC), datetime(2024, 3, 1, tzinfo=UTC)),
        ("9998-12", datetime(9998, 12, 1, tzinfo=UTC), datetime(9999, 1, 1, tzinfo=UTC)),
    ],
)
def test_a_period_runs_from_its_first_instant_to_the_next_months(
    text: str, start: datetime, end: datetime
) -> None:
    period = Period.parse(text)
    assert (period.start, period.end) == (start, end)


@pytest.mark.parametrize(
    "text",
    [
        "2026-1",
        "26-01",
        "2026-13",
        "2026-00",
        "2026/01",
        "2026-01-01",
        " 2026-01",
        "2026-01\n",
        "",
        "\uff11\uff19\uff17\uff10-01",  # full-width digits
        "1969-12",
        "9999-01",
        "0000-01",
    ],
)
def test_anything_but_a_strict_supported_month_is_refused(text: str) -> None:
    with pytest.raises(InvalidFieldError) as raised:
        Period.parse(text)
    assert raised.value.field == "period"


@given(MONTHS)
def test_a_period_reads_back_from_its_own_text(period: Period) -> None:
    assert Period.parse(str(period)) == period
    assert len(str(period)) == 7


@given(MONTHS)
def test_a_period_lasts_28_to_31_whole_days_and_ends_where_the_next_begins(
    period: Period,
) -> None:
    assert timedelta(days=28) <= period.end - period.start <= timedelta(days=31)
    assert (period.end - period.start) % timedelta(days=1) == timedelta(0)
    assert period.end.day == 1
    assert period.start.tzinfo is UTC


@pytest.mark.parametrize(
    ("now", "closed"),
    [
        (datetime(2026, 1, 15, tzinfo=UTC), False),
        (datetime(2026, 1, 31, 23, 59, 59, 999999, tzinfo=UTC), False),
        (datetime(2026, 2, 1, tzinfo=UTC), True),
        (datetime(2026, 3, 1, tzinfo=UTC), True),
        (datetime(2025, 12, 31, tzinfo=UTC), False),
    ],
)
def test_a_period_is_closed_from_the_first_instant_of_the_next_month(
    now: datetime, closed: bool
) -> None:
    assert Period.parse("2026-01").is_closed(now) is closed


def test_periods_order_by_time() -> None:
    texts = ["2026-02", "2025-12", "2026-01", "2026-11"]
    assert [str(p) for p in sorted(map(Period.parse, texts))] == [
        "2025-12",
        "2026-01",
        "2026-02",
        "2026-11",
    ]
