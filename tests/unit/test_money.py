"""Converting money never goes through floats."""

from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tessera_common.catalog import fx_rates_json
from tessera_common.money import FxTable
from tessera_common.vocabulary import Currency

TABLE = FxTable({Currency.USD: Fraction(1), Currency.EUR: Fraction("0.92"),
                 Currency.GBP: Fraction("0.79")}, "2026-11-01")  # fmt: skip


def test_a_known_conversion() -> None:
    assert TABLE.convert(10_000, Currency.USD, Currency.EUR) == 9_200
    assert TABLE.convert(9_200, Currency.EUR, Currency.USD) == 10_000


def test_halves_round_to_even() -> None:
    half = FxTable({Currency.USD: Fraction(1), Currency.EUR: Fraction(1, 2),
                    Currency.GBP: Fraction(1)}, "x")  # fmt: skip
    assert [half.convert(n, Currency.USD, Currency.EUR) for n in (1, 3, 5)] == [0, 2, 2]


@given(amount=st.integers(min_value=0, max_value=10**12), currency=st.sampled_from(list(Currency)))
def test_same_currency_is_the_identity(amount: int, currency: Currency) -> None:
    assert TABLE.convert(amount, currency, currency) == amount


def test_the_shipped_table_covers_every_currency() -> None:
    table = FxTable.from_json(fx_rates_json())
    assert set(table.per_usd) == set(Currency)


def test_a_table_missing_a_currency_is_refused() -> None:
    with pytest.raises(ValueError, match="positive rate"):
        FxTable.from_json(b'{"as_of": "x", "per_usd": {"USD": "1", "EUR": "0.9"}}')
