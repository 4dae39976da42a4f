"""A tenant's subscription: started free, changed by plan or seats, cancelled on erasure."""

import uuid
from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from billing.domain.errors import InvalidFieldError, SubscriptionCancelledError
from billing.domain.events import SubscriptionCancelled, SubscriptionChanged, SubscriptionStarted
from billing.domain.price_book import PriceBook, Prices
from billing.domain.subscription import Subscription, SubscriptionStatus
from tessera_common.vocabulary import Currency, Plan

NOW = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
LATER = datetime(2026, 2, 3, 4, 5, 6, tzinfo=UTC)
FEES = {Plan.FREE: 0, Plan.PRO: 4900, Plan.ENTERPRISE: 49900}
CURRENCY_FACTOR = {Currency.USD: 10, Currency.EUR: 9, Currency.GBP: 8}


def prices(plan: Plan, currency: Currency) -> Prices:
    """Distinct figures for every plan and currency, so a mix-up shows."""
    if plan is Plan.FREE:
        return Prices(0, 0, 10_000, 0)
    factor = CURRENCY_FACTOR[currency]
    return Prices(FEES[plan] * factor // 10, 100 * factor, 100_000, 20 * factor)


BOOK = PriceBook(
    {(plan, currency): prices(plan, currency) for plan in Plan for currency in Currency}
)


def new_subscription(
    plan: Plan = Plan.PRO, seats: int = 3, currency: Currency = Currency.EUR
) -> Subscription:
    """An active subscription at version one, with its start event cleared."""
    subscription = Subscription.start(
        tenant_id=uuid.uuid4(),
        currency=currency,
        plan=plan,
        seats=seats,
        price_book=BOOK,
        now=NOW,
    )
    subscription.events.clear()
    return subscription


# start


def test_a_subscription_starts_free_with_one_seat_by_default() -> None:
    tenant_id = uuid.uuid4()
    subscription = Subscription.start(
        tenant_id=tenant_id, currency=Currency.GBP, price_book=BOOK, now=NOW
    )
    free = prices(Plan.FREE, Currency.GBP)
    assert (
        subscription.tenant_id,
        subscription.plan,
        subscription.seats,
        subscription.currency,
        subscription.prices,
        subscription.status,
        subscription.version,
        subscription.started_at,
        subscription.updated_at,
    ) == (tenant_id, Plan.FREE, 1, Currency.GBP, free, SubscriptionStatus.ACTIVE, 1, NOW, NOW)
    assert subscription.events == [
        SubscriptionStarted(tenant_id, 1, Plan.FREE, 1, Currency.GBP, free, NOW)
    ]


@pytest.mark.parametrize("plan", list(Plan))
@pytest.mark.parametrize("currency", list(Currency))
def test_a_subscription_snapshots_the_prices_of_its_plan_and_currency(
    plan: Plan, currency: Currency
) -> None:
    subscription = Subscription.start(
        tenant_id=uuid.uuid4(), currency=currency, plan=plan, seats=7, price_book=BOOK, now=NOW
    )
    assert subscription.prices == prices(plan, currency)
    assert subscription.events == [
        SubscriptionStarted(
            subscription.tenant_id, 1, plan, 7, currency, prices(plan, currency), NOW
        )
    ]


@given(seats=st.integers(min_value=1, max_value=10_000))
def test_any_seat_count_from_one_to_ten_thousand_is_accepted(seats: int) -> None:
    assert new_subscription(seats=seats).seats == seats


@given(seats=st.integers(max_value=0) | st.integers(min_value=10_001))
def test_a_seat_count_outside_one_to_ten_thousand_is_refused_at_start(seats: int) -> None:
    with pytest.raises(InvalidFieldError, match="between 1 and 10000") as raised:
        new_subscription(seats=seats)
    assert raised.value.field == "seats"


# change


def test_changing_plan_and_seats_takes_the_new_prices_and_records_what_it_was() -> None:
    subscription = new_subscription(Plan.PRO, 3, Currency.EUR)
    subscription.change(plan=Plan.ENTERPRISE, seats=40, price_book=BOOK, now=LATER)
    enterprise = prices(Plan.ENTERPRISE, Currency.EUR)
    assert (
        subscription.plan,
        subscription.seats,
        subscription.prices,
        subscription.version,
        subscription.updated_at,
        subscription.started_at,
    ) == (Plan.ENTERPRISE, 40, enterprise, 2, LATER, NOW)
    assert subscription.events == [
        SubscriptionChanged(
            subscription.tenant_id, 2, Plan.ENTERPRISE, 40, Plan.PRO, 3, enterprise, LATER
        )
    ]


@pytest.mark.parametrize(("plan", "seats"), [(Plan.FREE, 3), (Plan.PRO, 4), (Plan.ENTERPRISE, 1)])
def test_changing_only_plan_or_only_seats_is_one_change(plan: Plan, seats: int) -> None:
    subscription = new_subscription(Plan.PRO, 3)
    subscription.change(plan=plan, seats=seats, price_book=BOOK, now=LATER)
    assert subscription.version == 2
    assert subscription.events == [
        SubscriptionChanged(
            subscription.tenant_id, 2, plan, seats, Plan.PRO, 3, prices(plan, Currency.EUR), LATER
        )
    ]


def test_each_change_is_one_more_version() -> None:
    subscription = new_subscription(Plan.PRO, 3)
    subscription.change(plan=Plan.PRO, seats=5, price_book=BOOK, now=LATER)
    subscription.change(plan=Plan.FREE, seats=5, price_book=BOOK, now=LATER)
    assert [e.version for e in subscription.events] == [2, 3]
    assert subscription.version == 3


def test_the_same_plan_and_seats_change_nothing_not_even_stale_prices() -> None:
    subscription = new_subscription(Plan.PRO, 3)
    dearer = PriceBook({key: Prices(99_999, 9_999, 1, 999) for key in BOOK.prices})
    subscription.change(plan=Plan.PRO, seats=3, price_book=dearer, now=LATER)
    assert (subscription.prices, subscription.version, subscription.updated_at) == (
        prices(Plan.PRO, Currency.EUR),
        1,
        NOW,
    )
    assert subscription.events == []


@pytest.mark.parametrize("seats", [0, -1, 10_001])
def test_a_bad_seat_count_is_refused_and_nothing_changes(seats: int) -> None:
    subscription = new_subscription(Plan.PRO, 3)
    with pytest.raises(InvalidFieldError) as raised:
        subscription.change(plan=Plan.ENTERPRISE, seats=seats, price_book=BOOK, now=LATER)
    assert raised.value.field == "seats"
    assert (subscription.plan, subscription.seats, subscription.version, subscription.events) == (
        Plan.PRO,
        3,
        1,
        [],
    )


# cancel


def test_cancelling_bumps_the_version_and_records_it() -> None:
    subscription = new_subscription()
    subscription.cancel(LATER)
    assert subscription.cancelled
    assert (subscription.status, subscription.version, subscription.updated_at) == (
        SubscriptionStatus.CANCELLED,
        2,
        LATER,
    )
    assert subscription.events == [SubscriptionCancelled(subscription.tenant_id, 2, LATER)]


def test_cancelling_twice_records_only_once() -> None:
    subscription = new_subscription()
    subscription.cancel(NOW)
    subscription.cancel(LATER)
    assert (subscription.version, subscription.updated_at) == (2, NOW)
    assert subscription.events == [SubscriptionCancelled(subscription.tenant_id, 2, NOW)]


def test_an_active_subscription_is_not_cancelled() -> None:
    subscription = new_subscription()
    subscription.change(plan=Plan.FREE, seats=1, price_book=BOOK, now=LATER)
    assert not subscription.cancelled


@pytest.mark.parametrize(("plan", "seats"), [(Plan.ENTERPRISE, 9), (Plan.PRO, 3)])
def test_a_cancelled_subscription_refuses_changes(plan: Plan, seats: int) -> None:
    subscription = new_subscription(Plan.PRO, 3)
    subscription.cancel(NOW)
    subscription.events.clear()
    with pytest.raises(SubscriptionCancelledError, match=str(subscription.tenant_id)):
        subscription.change(plan=plan, seats=seats, price_book=BOOK, now=LATER)
    assert (subscription.plan, subscription.seats, subscription.version, subscription.events) == (
        Plan.PRO,
        3,
        2,
        [],
    )
