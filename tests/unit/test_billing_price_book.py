"""The price book is data: parsed strictly, every plan in every currency, money as integers."""

import copy
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from billing.domain.price_book import PriceBook, Prices
from tessera_common.vocabulary import Currency, Plan

FIELDS = ("monthly_fee", "seat_price", "included_api_calls", "overage_per_1000_api_calls")
FIGURES: dict[tuple[str, str], tuple[int, int, int, int]] = {
    ("free", "USD"): (0, 0, 10_000, 0),
    ("free", "EUR"): (0, 0, 10_000, 0),
    ("free", "GBP"): (0, 0, 8_000, 0),
    ("pro", "USD"): (4900, 1200, 250_000, 200),
    ("pro", "EUR"): (4500, 1100, 250_000, 180),
    ("pro", "GBP"): (3900, 950, 250_000, 160),
    ("enterprise", "USD"): (49900, 2900, 5_000_000, 120),
    ("enterprise", "EUR"): (45900, 2700, 5_000_000, 110),
    ("enterprise", "GBP"): (39900, 2300, 5_000_000, 95),
}
ENTRIES = list(FIGURES)


def book_data() -> dict[str, Any]:
    """A fresh, valid plain price book the test may mutate."""
    data: dict[str, Any] = {}
    for (plan, currency), figures in FIGURES.items():
        data.setdefault(plan, {})[currency] = dict(zip(FIELDS, figures, strict=True))
    return data


def test_every_plan_in_every_currency_is_read_into_prices() -> None:
    book = PriceBook.from_dict(book_data())
    for (plan, currency), figures in FIGURES.items():
        assert book.price(Plan(plan), Currency(currency)) == Prices(*figures)


def test_a_price_book_written_out_reads_back_the_same() -> None:
    data = book_data()
    assert PriceBook.from_dict(data).to_dict() == data


@pytest.mark.parametrize(("plan", "currency"), ENTRIES)
def test_a_missing_currency_is_named(plan: str, currency: str) -> None:
    data = book_data()
    del data[plan][currency]
    with pytest.raises(ValueError, match=f"{plan}/{currency} is missing"):
        PriceBook.from_dict(data)


@pytest.mark.parametrize("plan", [p.value for p in Plan])
def test_a_missing_plan_is_named(plan: str) -> None:
    data = book_data()
    del data[plan]
    with pytest.raises(ValueError, match=f"price book: {plan} is missing"):
        PriceBook.from_dict(data)


@pytest.mark.parametrize("name", FIELDS)
@pytest.mark.parametrize(("plan", "currency"), ENTRIES)
def test_a_missing_field_is_named(plan: str, currency: str, name: str) -> None:
    data = book_data()
    del data[plan][currency][name]
    with pytest.raises(ValueError, match=f"{plan}/{currency}/{name} is missing"):
        PriceBook.from_dict(data)


@pytest.mark.parametrize("bad", [-1, 12.5, 100.0, "4900", None, True, [4900]])
@pytest.mark.parametrize("name", FIELDS)
def test_a_figure_that_is_not_a_non_negative_integer_is_named(name: str, bad: object) -> None:
    data = book_data()
    data["pro"]["EUR"][name] = bad
    with pytest.raises(ValueError, match=f"pro/EUR/{name} must be an integer >= 0"):
        PriceBook.from_dict(data)


@given(
    entry=st.sampled_from(ENTRIES),
    name=st.sampled_from(FIELDS),
    bad=st.integers(max_value=-1) | st.floats(allow_nan=False) | st.booleans() | st.text(),
)
def test_any_non_integer_or_negative_figure_is_refused(
    entry: tuple[str, str], name: str, bad: object
) -> None:
    data = book_data()
    plan, currency = entry
    data[plan][currency][name] = bad
    with pytest.raises(ValueError, match=f"{plan}/{currency}/{name} must be an integer"):
        PriceBook.from_dict(data)


@pytest.mark.parametrize("name", ["monthly_fee", "seat_price", "overage_per_1000_api_calls"])
@pytest.mark.parametrize("currency", [c.value for c in Currency])
def test_the_free_plan_may_charge_nothing(currency: str, name: str) -> None:
    data = book_data()
    data["free"][currency][name] = 1
    with pytest.raises(ValueError, match=f"free/{currency}/{name} must be 0"):
        PriceBook.from_dict(data)


@pytest.mark.parametrize(
    ("path", "unknown"),
    [((), "gold"), (("pro",), "JPY"), (("pro", "USD"), "setup_fee")],
    ids=["plan", "currency", "field"],
)
def test_an_unknown_entry_is_named(path: tuple[str, ...], unknown: str) -> None:
    data = book_data()
    node = data
    for key in path:
        node = node[key]
    node[unknown] = copy.deepcopy(node[next(iter(node))])
    with pytest.raises(ValueError, match=f"unknown entries {unknown}"):
        PriceBook.from_dict(data)


@pytest.mark.parametrize(
    ("path", "match"),
    [((), "price book must be an object"), (("pro",), "price book: pro must be an object")],
    ids=["book", "plan"],
)
def test_a_level_that_is_not_an_object_is_refused(path: tuple[str, ...], match: str) -> None:
    data: Any = book_data()
    if path:
        data[path[0]] = [1, 2, 3]
    else:
        data = [data]
    with pytest.raises(ValueError, match=match):
        PriceBook.from_dict(data)


def test_a_price_entry_that_is_not_an_object_is_refused() -> None:
    data = book_data()
    data["enterprise"]["GBP"] = 39900
    with pytest.raises(ValueError, match="enterprise/GBP must be an object"):
        PriceBook.from_dict(data)
