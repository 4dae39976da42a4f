"""The revenue report: a month's invoices and current MRR, per currency, converted by FX data."""

from __future__ import annotations

import json
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

from support import Api, bearer

from tessera_common.catalog import fx_rates_json, price_book_json
from tessera_common.money import FxTable
from tessera_common.vocabulary import Currency

Converge = Callable[..., Awaitable[Any]]
PERIOD = "2026-10"


def eur(report: dict[str, Any]) -> dict[str, Any]:
    return next(row for row in report["by_currency"] if row["currency"] == "EUR")


async def test_an_invoice_and_an_upgrade_move_the_report_by_exactly_their_amounts(
    api: Api, converge: Converge
) -> None:
    path = f"/v1/reports/revenue?period={PERIOD}&currency=USD"
    before = (await api.gateway.get(path, headers=api.operator)).json()
    tenant = await api.tenant(name="Reported", currency="EUR")
    base, key = f"/v1/tenants/{tenant['tenant_id']}", bearer(tenant["api_key"])

    async def subscribed() -> bool | None:
        put = await api.gateway.put(
            f"{base}/subscription", json={"plan": "pro", "seats": 3}, headers=key
        )
        return True if put.status_code == 200 else None

    await converge(subscribed, within=30)
    issued = await api.gateway.post(f"{base}/invoices", json={"period": PERIOD}, headers=key)
    invoice = issued.json()
    paid = await api.gateway.post(
        f"{base}/payments",
        json={"payment_id": str(uuid.uuid4()), "invoice_id": invoice["invoice_id"],
              "amount": invoice["total"], "currency": "EUR"},
        headers=key,
    )  # fmt: skip
    after = (await api.read(path, paid.headers["x-consistency-token"])).json()

    pro_eur = json.loads(price_book_json())["pro"]["EUR"]
    assert eur(after)["invoiced"] - eur(before)["invoiced"] == invoice["total"]
    assert eur(after)["paid"] - eur(before)["paid"] == invoice["total"]
    upgrade = pro_eur["monthly_fee"] + 3 * pro_eur["seat_price"]  # from free: fee 0, seats 0
    assert eur(after)["mrr"] - eur(before)["mrr"] == upgrade
    fx = FxTable.from_json(fx_rates_json())
    converted = fx.convert(eur(after)["mrr"], Currency.EUR, Currency.USD)
    assert eur(after)["converted"]["mrr"] == converted
    totals = after["total"]
    assert totals["invoiced"] == sum(row["converted"]["invoiced"] for row in after["by_currency"])


async def test_the_report_is_the_operators_and_checks_its_input(api: Api) -> None:
    tenant = await api.tenant()
    assert (await api.gateway.get(
        f"/v1/reports/revenue?period={PERIOD}", headers=bearer(tenant["api_key"])
    )).status_code == 403  # fmt: skip
    cases = (("period=2026-13", "period"), (f"period={PERIOD}&currency=BTC", "currency"))
    for query, field in cases:
        bad = await api.gateway.get(f"/v1/reports/revenue?{query}", headers=api.operator)
        assert bad.status_code == 422
        assert field in [e["field"] for e in bad.json()["errors"]]
