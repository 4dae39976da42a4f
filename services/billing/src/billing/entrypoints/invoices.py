"""Invoices for closed periods, and payments against them."""

from __future__ import annotations

import uuid
from datetime import datetime
from functools import partial

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel, ConfigDict, Field

from billing.adapters.unit_of_work import Render
from billing.app.invoices import IssueInvoice, PayInvoice, issue_invoice, pay_invoice
from billing.app.ports import UnitOfWorkFactory
from billing.bootstrap import Billing, utc_now
from billing.domain.invoice import Invoice, Payment
from billing.domain.period import Period
from billing.entrypoints.deps import BillingDep
from tessera_common.auth.internal_token import Caller
from tessera_common.events.billing import InvoiceLine
from tessera_common.events.envelope import EventEnvelope
from tessera_common.http.openapi import IDEMPOTENCY_KEY, problems
from tessera_common.http.service_app import CallerDep, TenantIdDep
from tessera_common.idempotency import StoredResponse
from tessera_common.idempotency.http import as_response, idempotency_guard, rendered
from tessera_common.vocabulary import Currency

router = APIRouter(prefix="/v1/tenants/{tenant_id}", tags=["billing"])


class IssueInvoiceRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    period: str = Field(pattern=r"^\d{4}-\d{2}$", description="A closed month, YYYY-MM.")


class PaymentRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    payment_id: uuid.UUID = Field(description="Yours; paying twice with it pays once.")
    invoice_id: uuid.UUID
    amount: int = Field(gt=0, le=10**12, description="Integer minor units.")
    currency: Currency


class InvoiceBody(BaseModel):
    invoice_id: uuid.UUID
    tenant_id: uuid.UUID
    period: str
    plan: str
    currency: Currency
    lines: list[InvoiceLine]
    total: int
    balance: int
    status: str
    version: int
    issued_at: datetime
    due_at: datetime


class PaymentBody(BaseModel):
    payment_id: uuid.UUID
    invoice_id: uuid.UUID
    amount: int
    currency: Currency
    received_at: datetime
    invoice_status: str
    invoice_balance: int


def invoice_body(invoice: Invoice) -> InvoiceBody:
    return InvoiceBody(
        invoice_id=invoice.id, tenant_id=invoice.tenant_id, period=str(invoice.period),
        plan=invoice.plan.value, currency=invoice.currency, total=invoice.total,
        balance=invoice.balance, status=invoice.status.value, version=invoice.version,
        issued_at=invoice.issued_at, due_at=invoice.due_at,
        lines=[
            InvoiceLine(
                kind=line.kind.value, description=line.description, quantity=line.quantity,
                unit_amount=line.unit_amount, amount=line.amount,
            )
            for line in invoice.lines
        ],
    )  # fmt: skip


def _guarded(
    billing: Billing, request: Request, caller: Caller, body: BaseModel, render: Render
) -> UnitOfWorkFactory:
    """Units of work under the request's Idempotency-Key, if it has one."""
    guard = idempotency_guard(
        request, caller, body, ttl=billing.idempotency_ttl, cipher=billing.response_cipher
    )
    return partial(billing.unit_of_work, guard=guard, render=render)


@router.post(
    "/invoices",
    status_code=201,
    response_model=InvoiceBody,
    responses=problems(404, 409, *IDEMPOTENCY_KEY, 503),
)
async def post_invoice(
    tenant_id: TenantIdDep,
    body: IssueInvoiceRequest,
    request: Request,
    *,
    billing: BillingDep,
    caller: CallerDep,
) -> Response:
    """Issue the invoice of a closed month (one per month)."""

    def render(outcome: tuple[Invoice, list[EventEnvelope]]) -> StoredResponse:
        invoice, events = outcome
        location = f"/v1/tenants/{tenant_id}/invoices/{invoice.id}"
        return rendered(201, invoice_body(invoice), events, location=location)

    cmd = IssueInvoice(tenant_id, Period.parse(body.period), uuid.uuid4())
    outcome = await issue_invoice(
        cmd, _guarded(billing, request, caller, body, render), utc_now,
        billing.settings.terms.payment_terms_days,
    )  # fmt: skip
    return as_response(render(outcome))


@router.post(
    "/payments",
    status_code=201,
    response_model=PaymentBody,
    responses={
        200: {"model": PaymentBody, "description": "The payment was recorded before: as then"},
        **problems(404, 409, *IDEMPOTENCY_KEY, 503),
    },
)
async def post_payment(
    tenant_id: TenantIdDep,
    body: PaymentRequest,
    request: Request,
    *,
    billing: BillingDep,
    caller: CallerDep,
) -> Response:
    """Pay an invoice, in its currency; the same payment id pays once (200 on repeats)."""

    def render(outcome: tuple[Payment, Invoice, list[EventEnvelope]]) -> StoredResponse:
        payment, invoice, events = outcome
        paid = PaymentBody(
            payment_id=payment.id, invoice_id=invoice.id, amount=payment.amount,
            currency=payment.currency, received_at=payment.received_at,
            invoice_status=invoice.status.value, invoice_balance=invoice.balance,
        )  # fmt: skip
        return rendered(201 if events else 200, paid, events)  # 200: a repeat changed nothing

    cmd = PayInvoice(
        tenant_id, body.invoice_id, body.payment_id, body.amount, body.currency, uuid.uuid4()
    )
    outcome = await pay_invoice(cmd, _guarded(billing, request, caller, body, render), utc_now)
    return as_response(render(outcome))
