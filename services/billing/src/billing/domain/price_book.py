"""The price book: what each plan costs in each currency, as data rather than code."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, fields

from tessera_common.vocabulary import Currency, Plan


@dataclass(frozen=True)
class Prices:
    """One plan in one currency: money in integer minor units, calls as counts."""

    monthly_fee: int
    seat_price: int
    included_api_calls: int
    overage_per_1000_api_calls: int


_FIELDS = tuple(f.name for f in fields(Prices))
# The free tier is capped, not billed: it may include calls but never charge for anything.
_FREE_CHARGES = frozenset({"monthly_fee", "seat_price", "overage_per_1000_api_calls"})


@dataclass(frozen=True)
class PriceBook:
    """Every plan in every currency; build it with `from_dict`, which checks that."""

    prices: Mapping[tuple[Plan, Currency], Prices]

    @classmethod
    def from_dict(cls, data: object) -> PriceBook:
        """Parse `{plan: {currency: {field: int}}}`; a ValueError names any bad entry."""
        by_plan = _children("", data, tuple(Plan))
        prices: dict[tuple[Plan, Currency], Prices] = {}
        for plan in Plan:
            by_currency = _children(plan, by_plan[plan], tuple(Currency))
            for currency in Currency:
                path = f"{plan}/{currency}"
                figures = _children(path, by_currency[currency], _FIELDS)
                prices[plan, currency] = Prices(
                    **{name: _amount(f"{path}/{name}", figures[name]) for name in _FIELDS}
                )
                if plan is Plan.FREE:
                    _require_free(path, prices[plan, currency])
        return cls(prices)

    def price(self, plan: Plan, currency: Currency) -> Prices:
        return self.prices[plan, currency]

    def to_dict(self) -> dict[str, dict[str, dict[str, int]]]:
        """The plain form `from_dict` reads back."""
        return {
            plan.value: {
                currency.value: asdict(self.price(plan, currency)) for currency in Currency
            }
            for plan in Plan
        }


def _children(path: str, node: object, names: tuple[str, ...]) -> Mapping[str, object]:
    where = f"price book: {path}" if path else "price book"
    if not isinstance(node, Mapping):
        raise ValueError(f"{where} must be an object keyed by {', '.join(names)}")
    for name in names:
        if name not in node:
            raise ValueError(f"{where}: {_join(path, name)} is missing")
    unknown = sorted(str(key) for key in node if key not in names)
    if unknown:
        raise ValueError(f"{where}: unknown entries {', '.join(unknown)}")
    return node


def _amount(path: str, value: object) -> int:
    # bool is an int to Python and a float may carry a fraction of a cent: neither is money.
    if type(value) is not int or value < 0:
        raise ValueError(f"price book: {path} must be an integer >= 0, not {value!r}")
    return value


def _require_free(path: str, prices: Prices) -> None:
    for name in sorted(_FREE_CHARGES):
        if getattr(prices, name) != 0:
            raise ValueError(f"price book: {path}/{name} must be 0: the free plan is never billed")


def _join(path: str, name: str) -> str:
    return f"{path}/{name}" if path else name
