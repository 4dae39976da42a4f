"""Invoices: issued for a closed month, paid in whole or in parts, overdue past their due date."""

import uuid
from datetime import UTC, datetime, timedelta
from itertools import pairwise

import pytest
from hypothesis import given
from hypothesis import strategies as st

from billing.domain.errors import (
    CurrencyMismatchError,
    InvalidFieldError,
    InvoiceAlreadyPaidError,
    PaymentConflictError,
    PeriodNotClosedError,
    SubscriptionCancelledError,
)
from billing.domain.events import InvoiceIssued, InvoiceOverdue, InvoicePaid, PaymentReceived
from billing.domain.invoice import Invoice, InvoiceStatus, Payment
from billing.domain.lines import InvoiceLine, LineKind
from billing.domain.period import Period
from billing.domain.price_book import Prices
from billing.domain.subscription import Subscription, SubscriptionStatus
from tessera_common.vocabulary import Currency, Plan

JANUARY = Period(2026, 1)
NOW = datetime(2026, 2, 3, 9, 0, tzinfo=UTC)
DUE = NOW + timedelta(days=14)
PRO_EUR = Prices(
    monthly_fee=4500, seat_price=1100, included_api_calls=100_000, overage_per_1000_api_calls=180
)
FREE = Prices(monthly_fee=0, seat_price=0, included_api_calls=10_000, overage_per_1000_api_calls=0)


def subscription(
    plan: Plan = Plan.PRO,
    seats: int = 3,
    prices: Prices = PRO_EUR,
    status: SubscriptionStatus = SubscriptionStatus.ACTIVE,
) -> Subscription:
    return Subscription(
        tenant_id=uuid.uuid4(),
        plan=plan,
        seats=seats,
        currency=Currency.EUR,
        prices=prices,
        status=status,
        version=1,
        started_at=NOW,
        updated_at=NOW,
    )


def issue(api_calls_used: int = 0, sub: Subscription | None = None, now: datetime = NOW) -> Invoice:
    return Invoice.issue(
        invoice_id=uuid.uuid4(),
        subscription=sub or subscription(),
        period=JANUARY,
        api_calls_used=api_calls_used,
        now=now,
    )


def open_invoice(api_calls_used: int = 0) -> Invoice:
    """A pro invoice of 7,800 (4,500 + 3 x 1,100) plus overage, with its issue event cleared."""
    invoice = issue(api_calls_used)
    invoice.events.clear()
    return invoice


def pay(invoice: Invoice, amount: int, payment_id: uuid.UUID | None = None) -> Payment:
    return invoice.pay(
        payment_id=payment_id or uuid.uuid4(), amount=amount, currency=Currency.EUR, now=NOW
    )


# issue


def test_an_issued_invoice_bills_the_plan_fee_the_seats_and_the_overage() -> None:
    sub = subscription()
    invoice_id = uuid.uuid4()
    invoice = Invoice.issue(
        invoice_id=invoice_id, subscription=sub, period=JANUARY, api_calls_used=102_001, now=NOW
    )
    assert [
        (line.kind, line.quantity, line.unit_amount, line.amount) for line in invoice.lines
    ] == [
        (LineKind.PLAN_FEE, 1, 4500, 4500),
        (LineKind.SEATS, 3, 1100, 3300),
        (LineKind.API_CALLS_OVERAGE, 3, 180, 540),
    ]
    assert (invoice.id, invoice.tenant_id, invoice.period, invoice.plan, invoice.currency) == (
        invoice_id,
        sub.tenant_id,
        JANUARY,
        Plan.PRO,
        Currency.EUR,
    )
    assert (invoice.total, invoice.balance, invoice.status, invoice.version) == (
        8340,
        8340,
        InvoiceStatus.OPEN,
        1,
    )
    assert (invoice.issued_at, invoice.due_at, invoice.payments) == (NOW, DUE, [])
    assert invoice.events == [
        InvoiceIssued(
            sub.tenant_id,
            invoice_id,
            1,
            JANUARY,
            Plan.PRO,
            Currency.EUR,
            invoice.lines,
            8340,
            NOW,
            DUE,
        )
    ]


def test_every_line_says_what_it_is_for_and_which_month() -> None:
    descriptions = [line.description for line in issue(100_001).lines]
    assert descriptions == [
        "Pro plan, 2026-01",
        "Seats on the pro plan, 2026-01",
        "API calls beyond the 100,000 included, per 1,000, 2026-01",
    ]


@pytest.mark.parametrize(
    ("used", "units"),
    [(100_001, 1), (101_000, 1), (101_001, 2), (250_000, 150), (1_100_000, 1000)],
)
def test_overage_bills_every_started_thousand_beyond_the_allowance(used: int, units: int) -> None:
    overage = issue(used).lines[-1]
    assert (overage.kind, overage.quantity, overage.amount) == (
        LineKind.API_CALLS_OVERAGE,
        units,
        units * 180,
    )


@pytest.mark.parametrize("used", [0, 1, 99_999, 100_000])
def test_usage_within_the_allowance_adds_no_overage_line(used: int) -> None:
    assert [line.kind for line in issue(used).lines] == [LineKind.PLAN_FEE, LineKind.SEATS]
    assert issue(used).total == 7800


@pytest.mark.parametrize("due_in_days", [0, 1, 30])
def test_the_due_date_is_counted_from_the_issue_date(due_in_days: int) -> None:
    invoice = Invoice.issue(
        invoice_id=uuid.uuid4(),
        subscription=subscription(),
        period=JANUARY,
        api_calls_used=0,
        now=NOW,
        due_in_days=due_in_days,
    )
    assert invoice.due_at == NOW + timedelta(days=due_in_days)


def test_an_invoice_with_nothing_to_pay_is_settled_as_it_is_issued() -> None:
    invoice = issue(5_000_000, subscription(Plan.FREE, 4, FREE))
    assert [line.amount for line in invoice.lines] == [0, 0]
    assert (invoice.total, invoice.status, invoice.version) == (0, InvoiceStatus.PAID, 2)
    assert [type(e) for e in invoice.events] == [InvoiceIssued, InvoicePaid]
    assert invoice.events[1] == InvoicePaid(invoice.tenant_id, invoice.id, 2, 0, Currency.EUR, NOW)


@pytest.mark.parametrize(
    "now",
    [datetime(2026, 1, 31, 23, 59, 59, tzinfo=UTC), datetime(2026, 1, 10, tzinfo=UTC)],
)
def test_a_period_that_has_not_ended_is_not_invoiced(now: datetime) -> None:
    with pytest.raises(PeriodNotClosedError, match="2026-01"):
        issue(now=now)


def test_a_period_is_invoiced_from_the_first_instant_after_it() -> None:
    assert issue(now=datetime(2026, 2, 1, tzinfo=UTC)).status is InvoiceStatus.OPEN


def test_a_cancelled_subscription_is_not_invoiced() -> None:
    with pytest.raises(SubscriptionCancelledError):
        issue(sub=subscription(status=SubscriptionStatus.CANCELLED))


@pytest.mark.parametrize(("field", "value"), [("api_calls_used", -1), ("due_in_days", -1)])
def test_negative_counts_are_refused_at_issue(field: str, value: int) -> None:
    arguments = {"api_calls_used": 0, "due_in_days": 14, field: value}
    with pytest.raises(InvalidFieldError) as raised:
        Invoice.issue(
            invoice_id=uuid.uuid4(),
            subscription=subscription(),
            period=JANUARY,
            now=NOW,
            **arguments,
        )
    assert raised.value.field == field


PRICES = st.builds(
    Prices,
    monthly_fee=st.integers(0, 10**7),
    seat_price=st.integers(0, 10**6),
    included_api_calls=st.integers(0, 10**8),
    overage_per_1000_api_calls=st.integers(0, 10**4),
)


@given(
    prices=PRICES,
    seats=st.integers(1, 10_000),
    used=st.integers(0, 10**9),
)
def test_the_total_is_always_the_sum_of_the_lines(prices: Prices, seats: int, used: int) -> None:
    invoice = issue(used, subscription(seats=seats, prices=prices))
    assert invoice.total == sum(line.amount for line in invoice.lines)
    assert all(line.amount == line.quantity * line.unit_amount for line in invoice.lines)
    assert invoice.total == prices.monthly_fee + seats * prices.seat_price + _overage(invoice.lines)


@given(prices=PRICES, used=st.integers(0, 10**9))
def test_overage_is_positive_when_billed_and_covers_each_started_thousand_exactly(
    prices: Prices, used: int
) -> None:
    lines = issue(used, subscription(prices=prices)).lines
    overage = [line for line in lines if line.kind is LineKind.API_CALLS_OVERAGE]
    excess = max(0, used - prices.included_api_calls)
    if not overage:
        assert excess == 0 or prices.overage_per_1000_api_calls == 0
        return
    (line,) = overage
    assert line.amount > 0
    assert (line.quantity - 1) * 1000 < excess <= line.quantity * 1000
    assert line.unit_amount == prices.overage_per_1000_api_calls


def _overage(lines: tuple[InvoiceLine, ...]) -> int:
    return sum(line.amount for line in lines if line.kind is LineKind.API_CALLS_OVERAGE)


# pay


def test_paying_the_whole_balance_records_the_payment_then_the_settlement() -> None:
    invoice = open_invoice()
    payment_id = uuid.uuid4()
    later = NOW + timedelta(days=2)
    payment = invoice.pay(payment_id=payment_id, amount=7800, currency=Currency.EUR, now=later)
    assert payment == Payment(payment_id, invoice.id, 7800, Currency.EUR, later)
    assert (invoice.status, invoice.balance, invoice.amount_paid, invoice.version) == (
        InvoiceStatus.PAID,
        0,
        7800,
        3,
    )
    assert (invoice.payments, invoice.updated_at) == ([payment], later)
    assert invoice.events == [
        PaymentReceived(invoice.tenant_id, invoice.id, payment_id, 2, 7800, Currency.EUR, 0, later),
        InvoicePaid(invoice.tenant_id, invoice.id, 3, 7800, Currency.EUR, later),
    ]


def test_a_part_payment_leaves_the_invoice_open_with_the_rest_to_pay() -> None:
    invoice = open_invoice()
    payment = pay(invoice, 3000)
    assert (invoice.status, invoice.balance, invoice.version) == (InvoiceStatus.OPEN, 4800, 2)
    assert invoice.events == [
        PaymentReceived(invoice.tenant_id, invoice.id, payment.id, 2, 3000, Currency.EUR, 4800, NOW)
    ]


@pytest.mark.parametrize("short_by", [1, 2, 7799])
def test_a_payment_short_of_the_balance_by_any_amount_leaves_the_invoice_open(
    short_by: int,
) -> None:
    invoice = open_invoice()
    pay(invoice, 7800 - short_by)
    assert (invoice.status, invoice.balance) == (InvoiceStatus.OPEN, short_by)
    assert [type(e) for e in invoice.events] == [PaymentReceived]


@given(cuts=st.sets(st.integers(1, 7799), max_size=11))
def test_any_split_of_the_total_ends_paid_with_exactly_one_settlement(cuts: set[int]) -> None:
    """The cut points split 0..7,800 into consecutive positive parts that sum to the total."""
    invoice = open_invoice()
    points = [0, *sorted(cuts), 7800]
    amounts = [end - start for start, end in pairwise(points)]
    for amount in amounts:
        pay(invoice, amount)
    assert (invoice.status, invoice.balance, invoice.version) == (
        InvoiceStatus.PAID,
        0,
        len(amounts) + 2,
    )
    assert [type(e) for e in invoice.events] == [PaymentReceived] * len(amounts) + [InvoicePaid]
    assert [e.version for e in invoice.events] == list(range(2, len(amounts) + 3))


def test_a_payment_id_applied_before_returns_that_payment_and_changes_nothing() -> None:
    invoice = open_invoice()
    payment_id = uuid.uuid4()
    first = pay(invoice, 3000, payment_id)
    invoice.events.clear()
    again = invoice.pay(
        payment_id=payment_id, amount=3000, currency=Currency.EUR, now=NOW + timedelta(days=1)
    )
    assert again is first
    assert (invoice.balance, invoice.version, invoice.payments, invoice.events) == (
        4800,
        2,
        [first],
        [],
    )


def test_replaying_the_payment_that_settled_an_invoice_is_not_an_error() -> None:
    invoice = open_invoice()
    payment_id = uuid.uuid4()
    first = pay(invoice, 7800, payment_id)
    invoice.events.clear()
    assert pay(invoice, 7800, payment_id) is first
    assert (invoice.status, invoice.version, invoice.events) == (InvoiceStatus.PAID, 3, [])


@pytest.mark.parametrize(
    ("amount", "currency"), [(3001, Currency.EUR), (3000, Currency.USD)], ids=["amount", "currency"]
)
def test_a_payment_id_replayed_with_other_terms_is_a_conflict(
    amount: int, currency: Currency
) -> None:
    invoice = open_invoice()
    payment_id = uuid.uuid4()
    pay(invoice, 3000, payment_id)
    with pytest.raises(PaymentConflictError, match=str(payment_id)):
        invoice.pay(payment_id=payment_id, amount=amount, currency=currency, now=NOW)
    assert (invoice.balance, invoice.version) == (4800, 2)


def test_a_new_payment_on_a_paid_invoice_is_refused() -> None:
    invoice = open_invoice()
    pay(invoice, 7800)
    invoice.events.clear()
    with pytest.raises(InvoiceAlreadyPaidError, match=str(invoice.id)):
        pay(invoice, 1)
    assert (len(invoice.payments), invoice.version, invoice.events) == (1, 3, [])


@pytest.mark.parametrize("currency", [Currency.USD, Currency.GBP])
def test_a_payment_in_another_currency_is_refused(currency: Currency) -> None:
    invoice = open_invoice()
    with pytest.raises(CurrencyMismatchError) as raised:
        invoice.pay(payment_id=uuid.uuid4(), amount=7800, currency=currency, now=NOW)
    assert (raised.value.expected, raised.value.actual) == (Currency.EUR, currency)
    assert (invoice.balance, invoice.version, invoice.events) == (7800, 1, [])


@pytest.mark.parametrize("amount", [0, -1, 7801, 10**9])
def test_a_payment_of_nothing_or_more_than_the_balance_is_refused(amount: int) -> None:
    invoice = open_invoice()
    with pytest.raises(InvalidFieldError, match="at most the balance of 7800") as raised:
        pay(invoice, amount)
    assert raised.value.field == "amount"
    assert (invoice.balance, invoice.version, invoice.payments, invoice.events) == (
        7800,
        1,
        [],
        [],
    )


def test_after_a_part_payment_only_the_rest_can_be_paid() -> None:
    invoice = open_invoice()
    pay(invoice, 7000)
    with pytest.raises(InvalidFieldError, match="balance of 800"):
        pay(invoice, 801)
    assert pay(invoice, 800).amount == 800
    assert invoice.status is InvoiceStatus.PAID


# mark_overdue


@pytest.mark.parametrize("now", [NOW, DUE - timedelta(seconds=1), DUE])
def test_an_invoice_is_not_overdue_until_its_due_date_has_passed(now: datetime) -> None:
    invoice = open_invoice()
    invoice.mark_overdue(now)
    assert (invoice.status, invoice.version, invoice.events) == (InvoiceStatus.OPEN, 1, [])


def test_an_open_invoice_past_its_due_date_becomes_overdue_and_records_the_balance() -> None:
    invoice = open_invoice()
    pay(invoice, 1000)
    invoice.events.clear()
    later = DUE + timedelta(microseconds=1)
    invoice.mark_overdue(later)
    assert (invoice.status, invoice.version, invoice.updated_at) == (
        InvoiceStatus.OVERDUE,
        3,
        later,
    )
    assert invoice.events == [
        InvoiceOverdue(invoice.tenant_id, invoice.id, 3, 6800, Currency.EUR, DUE)
    ]


def test_marking_overdue_twice_records_only_once() -> None:
    invoice = open_invoice()
    invoice.mark_overdue(DUE + timedelta(days=1))
    invoice.mark_overdue(DUE + timedelta(days=2))
    assert [type(e) for e in invoice.events] == [InvoiceOverdue]
    assert invoice.version == 2


def test_a_paid_invoice_never_becomes_overdue() -> None:
    invoice = open_invoice()
    pay(invoice, 7800)
    invoice.events.clear()
    invoice.mark_overdue(DUE + timedelta(days=30))
    assert (invoice.status, invoice.version, invoice.events) == (InvoiceStatus.PAID, 3, [])


def test_an_overdue_invoice_stays_overdue_until_paid_in_full_then_is_paid() -> None:
    invoice = open_invoice()
    invoice.mark_overdue(DUE + timedelta(days=1))
    invoice.events.clear()
    pay(invoice, 5000)
    assert invoice.status is InvoiceStatus.OVERDUE
    last = pay(invoice, 2800)
    assert (invoice.status, invoice.balance, invoice.version) == (InvoiceStatus.PAID, 0, 5)
    assert invoice.events[-1] == InvoicePaid(
        invoice.tenant_id, invoice.id, 5, 7800, Currency.EUR, last.received_at
    )
    assert [type(e) for e in invoice.events] == [PaymentReceived, PaymentReceived, InvoicePaid]
