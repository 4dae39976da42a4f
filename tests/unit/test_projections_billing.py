"""The billing projection: pure, event in, invoice changes out."""

import uuid
from datetime import UTC, datetime

import pytest

from projector.projections.billing import project_billing
from projector.projections.changes import UpdateInvoice, UpsertInvoice, UpsertSubscription
from tessera_common.events import billing as contracts
from tessera_common.events.contract import Contract
from tessera_common.events.envelope import EventEnvelope, new_event
from tessera_common.vocabulary import Currency, Plan

NOW = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)
TENANT, INVOICE = uuid.uuid4(), uuid.uuid4()


def envelope(payload: Contract, version: int) -> EventEnvelope:
    return new_event(
        payload, tenant_id=TENANT, aggregate_type="invoice", aggregate_id=INVOICE,
        aggregate_version=version, correlation_id=uuid.uuid4(), occurred_at=NOW,
    )  # fmt: skip


def test_an_issued_invoice_is_upserted_open_with_its_lines() -> None:
    line = contracts.InvoiceLine(
        kind="seats", description="2 seats", quantity=2, unit_amount=1100, amount=2200
    )
    issued = contracts.InvoiceIssued(
        invoice_id=INVOICE, tenant_id=TENANT, period="2026-10", currency=Currency.EUR,
        lines=[line], total=2200, issued_at=NOW, due_at=NOW,
    )  # fmt: skip
    (change,) = project_billing(envelope(issued, 1))
    assert change == UpsertInvoice(
        invoice_id=INVOICE, tenant_id=TENANT, version=1, period="2026-10", currency="EUR",
        lines=(line.model_dump(),), total=2200, issued_at=NOW, due_at=NOW,
    )  # fmt: skip


@pytest.mark.parametrize(
    ("payload", "status", "balance"),
    [
        (contracts.PaymentReceived(
            payment_id=uuid.uuid4(), invoice_id=INVOICE, tenant_id=TENANT, amount=100,
            currency=Currency.EUR, balance=2100, received_at=NOW,
        ), None, 2100),
        (contracts.InvoicePaid(
            invoice_id=INVOICE, tenant_id=TENANT, total=2200, currency=Currency.EUR, paid_at=NOW,
        ), "paid", 0),
        (contracts.InvoiceOverdue(
            invoice_id=INVOICE, tenant_id=TENANT, balance=2200, currency=Currency.EUR, due_at=NOW,
        ), "overdue", 2200),
    ],
)  # fmt: skip
def test_invoice_changes_carry_the_event_version(
    payload: Contract, status: str | None, balance: int
) -> None:
    (change,) = project_billing(envelope(payload, 4))
    assert change == UpdateInvoice(INVOICE, TENANT, 4, NOW, status=status, balance=balance)


def test_subscription_events_keep_plan_seats_and_status() -> None:
    started = contracts.SubscriptionStarted(
        tenant_id=TENANT, plan=Plan.FREE, seats=1, currency=Currency.GBP, started_at=NOW
    )
    changed = contracts.SubscriptionChanged(
        tenant_id=TENANT, plan=Plan.PRO, seats=4, previous_plan=Plan.FREE, previous_seats=1
    )
    cancelled = contracts.SubscriptionCancelled(tenant_id=TENANT)
    sid = contracts.subscription_id(TENANT)
    assert sid != TENANT  # its own aggregate: tokens never mistake it for the tenant
    assert project_billing(envelope(started, 1)) == [
        UpsertSubscription(sid, TENANT, 1, NOW, plan="free", seats=1, currency="GBP",
                           status="active")
    ]  # fmt: skip
    assert project_billing(envelope(changed, 2)) == [
        UpsertSubscription(sid, TENANT, 2, NOW, plan="pro", seats=4)
    ]
    assert project_billing(envelope(cancelled, 3)) == [
        UpsertSubscription(sid, TENANT, 3, NOW, status="cancelled")
    ]
