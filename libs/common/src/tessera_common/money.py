"""Money in integer minor units, converted exactly (Fractions) and rounded half to even."""

from __future__ import annotations

import json
from dataclasses import dataclass
from fractions import Fraction

from tessera_common.vocabulary import Currency


@dataclass(frozen=True)
class FxTable:
    """Units of each currency per 1 USD; converts between any two currencies it knows."""

    per_usd: dict[Currency, Fraction]
    as_of: str

    @classmethod
    def from_json(cls, raw: bytes) -> FxTable:
        data = json.loads(raw)
        rates = {Currency(code): Fraction(rate) for code, rate in data["per_usd"].items()}
        missing = set(Currency) - set(rates)
        if missing or any(rate <= 0 for rate in rates.values()):
            raise ValueError(f"FX table needs a positive rate for {sorted(Currency)}")
        return cls(rates, str(data["as_of"]))

    def convert(self, minor_units: int, source: Currency, target: Currency) -> int:
        """`minor_units` of `source` in `target`'s minor units (all three have 2 decimals)."""
        exact = Fraction(minor_units) * self.per_usd[target] / self.per_usd[source]
        return round(exact)  # Fraction rounds half to even
