"""Invoices, payments, and the overdue → suspend → pay → reactivate choreography."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

from support import PROBLEM_JSON, Api, Billing, bearer

Converge = Callable[..., Awaitable[Any]]
LAST_MONTH = "2026-10"  # closed (the suite runs after it)


async def subscribed(
    api: Api, billing_db: Billing, converge: Converge, **plan: Any
) -> dict[str, Any]:
    """A tenant whose subscription billing has started, then set to `plan`."""
    tenant = await api.tenant(name="Payer", currency="EUR")

    async def started() -> bool | None:
        rows = await billing_db.rows(
            "SELECT 1 FROM subscriptions WHERE tenant_id = $1::uuid", tenant["tenant_id"]
        )
        return True if any(rows.values()) else None

    await converge(started, within=30)
    put = await api.gateway.put(
        f"/v1/tenants/{tenant['tenant_id']}/subscription", json=plan, headers=api.operator
    )
    assert put.status_code == 200, put.text
    return tenant


async def test_an_invoice_bills_plan_and_seats_once_per_closed_month(
    api: Api, billing_db: Billing, converge: Converge
) -> None:
    tenant = await subscribed(api, billing_db, converge, plan="pro", seats=3)
    invoices = f"/v1/tenants/{tenant['tenant_id']}/invoices"
    issued = await api.gateway.post(invoices, json={"period": LAST_MONTH}, headers=api.operator)
    assert issued.status_code == 201, issued.text
    invoice = issued.json()
    lines = {line["kind"]: line for line in invoice["lines"]}
    assert lines["seats"]["quantity"] == 3
    assert lines["seats"]["amount"] == 3 * lines["seats"]["unit_amount"]
    assert invoice["total"] == sum(line["amount"] for line in invoice["lines"]) > 0
    assert (invoice["currency"], invoice["status"], invoice["balance"]) == (
        "EUR", "open", invoice["total"],
    )  # fmt: skip

    again = await api.gateway.post(invoices, json={"period": LAST_MONTH}, headers=api.operator)
    assert again.status_code == 409
    this_month = datetime.now(UTC).strftime("%Y-%m")
    open_month = await api.gateway.post(invoices, json={"period": this_month}, headers=api.operator)
    assert open_month.status_code == 422
    assert open_month.json()["errors"][0]["field"] == "period"
    nonsense = await api.gateway.post(invoices, json={"period": "2026-13"}, headers=api.operator)
    assert nonsense.status_code == 422
    assert nonsense.headers["content-type"] == PROBLEM_JSON


async def test_payments_are_checked_and_idempotent_by_payment_id(
    api: Api, billing_db: Billing, converge: Converge
) -> None:
    tenant = await subscribed(api, billing_db, converge, plan="pro", seats=1)
    base = f"/v1/tenants/{tenant['tenant_id']}"
    key = bearer(tenant["api_key"])
    issued = await api.gateway.post(f"{base}/invoices", json={"period": LAST_MONTH}, headers=key)
    invoice = issued.json()
    total = invoice["total"]

    def pay(amount: int, currency: str = "EUR", payment_id: str | None = None) -> Awaitable[Any]:
        body = {
            "payment_id": payment_id or str(uuid.uuid4()), "invoice_id": invoice["invoice_id"],
            "amount": amount, "currency": currency,
        }  # fmt: skip
        return api.gateway.post(f"{base}/payments", json=body, headers=key)

    wrong = await pay(total, currency="USD")
    assert wrong.status_code == 422
    assert wrong.json()["errors"][0]["field"] == "currency"
    assert (await pay(total + 1)).status_code == 422
    assert (await pay(0)).status_code == 422

    first_id = str(uuid.uuid4())
    part = await pay(total - 100, payment_id=first_id)
    assert part.status_code == 201
    assert (part.json()["invoice_status"], part.json()["invoice_balance"]) == ("open", 100)
    repeat = await pay(total - 100, payment_id=first_id)
    assert repeat.status_code == 200
    assert repeat.json()["invoice_balance"] == 100
    rest = await pay(100)
    assert (rest.status_code, rest.json()["invoice_status"]) == (201, "paid")
    assert (await pay(1)).status_code == 409
    paid = await billing_db.rows(
        "SELECT sum(amount) AS paid FROM payments WHERE invoice_id = $1::uuid",
        invoice["invoice_id"],
    )
    assert sum(r[0]["paid"] or 0 for r in paid.values()) == total


async def test_an_overdue_invoice_suspends_the_tenant_and_paying_it_reactivates(
    api: Api, billing_db: Billing, converge: Converge
) -> None:
    tenant = await subscribed(api, billing_db, converge, plan="pro", seats=2)
    base = f"/v1/tenants/{tenant['tenant_id']}"
    period = {"period": LAST_MONTH}
    invoice = (await api.gateway.post(f"{base}/invoices", json=period, headers=api.operator)).json()
    # Time passes: the due date is now behind us (the overdue scan runs every few seconds).
    moved = await billing_db.rows(
        "UPDATE invoices SET due_at = now() - interval '1 day' WHERE id = $1::uuid RETURNING id",
        invoice["invoice_id"],
    )
    assert sum(len(rows) for rows in moved.values()) == 1

    async def status(wanted: str) -> str | None:
        response = await api.gateway.get(base, headers=api.operator)
        found = response.json()["status"] if response.status_code == 200 else None
        return wanted if found == wanted else None

    await converge(lambda: status("suspended"), within=60)
    payment = await api.gateway.post(
        f"{base}/payments",
        json={"payment_id": str(uuid.uuid4()), "invoice_id": invoice["invoice_id"],
              "amount": invoice["total"], "currency": "EUR"},
        headers=api.operator,
    )  # fmt: skip
    assert (payment.status_code, payment.json()["invoice_status"]) == (201, "paid")
    await converge(lambda: status("active"), within=60)


async def test_billing_posts_honour_idempotency_keys(
    api: Api, billing_db: Billing, converge: Converge
) -> None:
    tenant = await subscribed(api, billing_db, converge, plan="enterprise", seats=1)
    base = f"/v1/tenants/{tenant['tenant_id']}"
    keyed = {**api.operator, "Idempotency-Key": f"invoice-{uuid.uuid4()}"}
    first = await api.gateway.post(f"{base}/invoices", json={"period": LAST_MONTH}, headers=keyed)
    again = await api.gateway.post(f"{base}/invoices", json={"period": LAST_MONTH}, headers=keyed)
    assert (first.status_code, again.status_code) == (201, 201)  # replayed, not a 409
    assert again.json() == first.json()
    assert again.headers["idempotent-replayed"] == "true"
    other = await api.gateway.post(f"{base}/invoices", json={"period": "2026-09"}, headers=keyed)
    assert other.status_code == 422
    assert other.json()["errors"][0]["field"] == "Idempotency-Key"


async def test_invoices_read_back_from_the_read_model_as_they_change(
    api: Api, billing_db: Billing, converge: Converge
) -> None:
    tenant = await subscribed(api, billing_db, converge, plan="pro", seats=2)
    base = f"/v1/tenants/{tenant['tenant_id']}"
    key = tenant["api_key"]
    issued = await api.gateway.post(
        f"{base}/invoices", json={"period": LAST_MONTH}, headers=bearer(key)
    )
    invoice = issued.json()
    listed = await api.read(f"{base}/invoices", issued.headers["x-consistency-token"], key)
    assert listed.status_code == 200
    (item,) = listed.json()["items"]
    assert (item["invoice_id"], item["total"], item["status"]) == (
        invoice["invoice_id"], invoice["total"], "open",
    )  # fmt: skip
    assert item["lines"] == invoice["lines"]

    paid = await api.gateway.post(
        f"{base}/payments",
        json={"payment_id": str(uuid.uuid4()), "invoice_id": invoice["invoice_id"],
              "amount": invoice["total"], "currency": "EUR"},
        headers=bearer(key),
    )  # fmt: skip
    one = await api.read(
        f"{base}/invoices/{invoice['invoice_id']}", paid.headers["x-consistency-token"], key
    )
    assert (one.json()["status"], one.json()["balance"]) == ("paid", 0)
    other = await api.tenant()
    foreign = await api.gateway.get(
        f"{base}/invoices/{invoice['invoice_id']}", headers=bearer(other["api_key"])
    )
    assert foreign.status_code == 404


async def test_a_subscription_change_honours_the_etag_it_was_given(
    api: Api, billing_db: Billing, converge: Converge
) -> None:
    tenant = await subscribed(api, billing_db, converge, plan="pro", seats=2)
    path = f"/v1/tenants/{tenant['tenant_id']}/subscription"
    current = await api.gateway.put(path, json={"plan": "pro", "seats": 3}, headers=api.operator)
    etag = current.headers["etag"]
    stale = await api.gateway.put(
        path, json={"plan": "pro", "seats": 4}, headers={**api.operator, "If-Match": '"1"'}
    )
    assert stale.status_code == 412, stale.text
    fresh = await api.gateway.put(
        path, json={"plan": "pro", "seats": 4}, headers={**api.operator, "If-Match": etag}
    )
    assert fresh.status_code == 200, fresh.text
    assert fresh.json()["seats"] == 4
    weak = await api.gateway.put(
        path, json={"plan": "pro", "seats": 5},
        headers={**api.operator, "If-Match": f"W/{fresh.headers['etag']}"},
    )  # fmt: skip
    assert weak.status_code == 200, weak.text
    garbled = await api.gateway.put(
        path, json={"plan": "pro", "seats": 6}, headers={**api.operator, "If-Match": "soon"}
    )
    assert garbled.status_code == 400
    assert garbled.json()["errors"][0]["field"] == "If-Match"
