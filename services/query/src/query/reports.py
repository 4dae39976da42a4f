"""GET /v1/reports/revenue: a month's invoicing and today's MRR, per currency and converted."""

from __future__ import annotations

import json
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from query.api import ReadModelsDep
from query.conditional import OPERATOR_READ, json_response
from query.consistency import ConsistentReadDep
from tessera_common.catalog import fx_rates_json, price_book_json
from tessera_common.http.openapi import problems
from tessera_common.http.service_app import OperatorDep
from tessera_common.money import FxTable
from tessera_common.vocabulary import Currency

router = APIRouter(tags=["reports"])


class Catalog:
    """The price book and FX rates the reports use: data, loaded once."""

    def __init__(self) -> None:
        self.prices: dict[str, dict[str, dict[str, int]]] = json.loads(price_book_json())
        self.fx = FxTable.from_json(fx_rates_json())

    def monthly(self, plan: str, currency: str, subscriptions: int, seats: int) -> int:
        price = self.prices[plan][currency]
        return subscriptions * price["monthly_fee"] + seats * price["seat_price"]


@router.get("/v1/reports/revenue", responses=problems(*OPERATOR_READ))
async def revenue(
    request: Request,
    read_models: ReadModelsDep,
    _: OperatorDep,
    __: ConsistentReadDep,
    period: Annotated[str, Query(pattern=r"^\d{4}-(0[1-9]|1[0-2])$")],
    currency: Currency = Currency.USD,
) -> Response:
    """Invoiced and paid in `period`, and current MRR, per currency and in `currency`."""
    catalog: Catalog = request.app.state.catalog
    rows: dict[Currency, dict[str, int]] = {
        c: {"invoiced": 0, "paid": 0, "invoices": 0, "mrr": 0} for c in Currency
    }
    for row in await read_models.invoiced(period):
        figures = rows[Currency(row["currency"])]
        figures.update(invoiced=row["invoiced"], paid=row["paid"], invoices=row["invoices"])
    for row in await read_models.subscribed():
        rows[Currency(row["currency"])]["mrr"] += catalog.monthly(
            row["plan"], row["currency"], row["subscriptions"], row["seats"]
        )
    converted = {
        c: {k: catalog.fx.convert(v, c, currency) for k, v in f.items() if k != "invoices"}
        for c, f in rows.items()
    }
    report = {
        "period": period,
        "currency": currency,
        "fx_as_of": catalog.fx.as_of,
        "by_currency": [{"currency": c, **rows[c], "converted": converted[c]} for c in Currency],
        "total": {k: sum(f[k] for f in converted.values()) for k in ("invoiced", "paid", "mrr")},
    }
    return json_response(request, report)
