"""What an invoice charges for a month: the plan fee, the seats and any API-call overage."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from billing.domain.period import Period
from billing.domain.price_book import Prices
from tessera_common.vocabulary import Plan

API_CALLS_PER_OVERAGE_UNIT = 1000


class LineKind(StrEnum):
    PLAN_FEE = "plan_fee"
    SEATS = "seats"
    API_CALLS_OVERAGE = "api_calls_overage"


@dataclass(frozen=True)
class InvoiceLine:
    """`amount` is `quantity * unit_amount`, in the invoice's minor units."""

    kind: LineKind
    description: str
    quantity: int
    unit_amount: int
    amount: int


def overage_units(api_calls_used: int, included_api_calls: int) -> int:
    """Started thousands beyond the allowance: one call over is a whole unit."""
    excess = max(0, api_calls_used - included_api_calls)
    return -(-excess // API_CALLS_PER_OVERAGE_UNIT)


def invoice_lines(
    *, plan: Plan, seats: int, prices: Prices, period: Period, api_calls_used: int
) -> tuple[InvoiceLine, ...]:
    """The plan fee and seats lines always; an overage line only when it charges something."""
    fee = _line(LineKind.PLAN_FEE, f"{plan.title()} plan, {period}", 1, prices.monthly_fee)
    seat = _line(LineKind.SEATS, f"Seats on the {plan} plan, {period}", seats, prices.seat_price)
    overage = _line(
        LineKind.API_CALLS_OVERAGE,
        f"API calls beyond the {prices.included_api_calls:,} included, per 1,000, {period}",
        overage_units(api_calls_used, prices.included_api_calls),
        prices.overage_per_1000_api_calls,
    )
    return (fee, seat, overage) if overage.amount else (fee, seat)


def _line(kind: LineKind, description: str, quantity: int, unit_amount: int) -> InvoiceLine:
    return InvoiceLine(kind, description, quantity, unit_amount, quantity * unit_amount)
