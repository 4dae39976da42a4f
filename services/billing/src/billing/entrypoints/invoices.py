"""Invoices for closed periods, and payments against them."""

from __future__ import annotations

from fastapi import APIRouter, Response

from billing.app.issue_invoice import IssueInvoice, issue_invoice
from billing.app.pay_invoice import Paid, PayInvoice, pay_invoice
from billing.domain.invoice import Invoice
from billing.domain.period import Period
from billing.entrypoints.responses import invoice_body, payment_body
from billing.entrypoints.schemas import (
    InvoiceBody,
    IssueInvoiceRequest,
    PaymentBody,
    PaymentRequest,
)
from tessera_common.events.envelope import EventEnvelope
from tessera_common.http.commands import CommandDep
from tessera_common.http.idempotency import rendered
from tessera_common.http.openapi import IDEMPOTENCY_KEY, problems
from tessera_common.http.service_app import TenantIdDep
from tessera_common.idempotency import StoredResponse

router = APIRouter(prefix="/v1/tenants/{tenant_id}", tags=["billing"])


def _issued(invoice: Invoice, events: list[EventEnvelope]) -> StoredResponse:
    location = f"/v1/tenants/{invoice.tenant_id}/invoices/{invoice.id}"
    return rendered(201, invoice_body(invoice), events, location=location)


def _paid(paid: Paid, events: list[EventEnvelope]) -> StoredResponse:
    return rendered(201 if events else 200, payment_body(paid), events)  # 200: a repeat


@router.post(
    "/invoices",
    status_code=201,
    response_model=InvoiceBody,
    responses=problems(404, 409, *IDEMPOTENCY_KEY, 503),
)
async def post_invoice(
    tenant_id: TenantIdDep, body: IssueInvoiceRequest, *, command: CommandDep
) -> Response:
    """Issue the invoice of a closed month (one per month)."""
    cmd = IssueInvoice(tenant_id, Period.parse(body.period))
    return await command.run(issue_invoice, cmd, _issued, guard=command.guard(body))


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
    tenant_id: TenantIdDep, body: PaymentRequest, *, command: CommandDep
) -> Response:
    """Pay an invoice, in its currency; the same payment id pays once (200 on repeats)."""
    cmd = PayInvoice(tenant_id, body.invoice_id, body.payment_id, body.amount, body.currency)
    return await command.run(pay_invoice, cmd, _paid, guard=command.guard(body))
