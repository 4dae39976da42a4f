"""Every billing command handler, on in-memory shards: subscriptions started, changed and
cancelled from accounts' events, invoices issued, paid and found overdue."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta
from typing import TypeVar

import pytest
from fakes import FakeBillingUnitOfWork

from billing.app.cancel_subscription import CancelSubscription, cancel_subscription
from billing.app.change_subscription import ChangeSubscription, change_subscription
from billing.app.choreography import CONSUMER, AccountsEvents, Choreography, UsageEvents
from billing.app.issue_invoice import IssueInvoice, issue_invoice
from billing.app.pay_invoice import PayInvoice, pay_invoice
from billing.app.start_subscription import StartSubscription, start_subscription
from billing.bootstrap import commands_on
from billing.domain.errors import (
    CurrencyMismatchError,
    InvoiceAlreadyIssuedError,
    InvoiceNotFoundError,
    PeriodNotClosedError,
    StaleVersionError,
    SubscriptionNotFoundError,
)
from billing.domain.invoice import Invoice, InvoiceStatus
from billing.domain.period import Period
from billing.domain.price_book import PriceBook
from billing.domain.subscription import Subscription, SubscriptionStatus
from billing.overdue import OverdueScanner
from tessera_common.catalog import price_book_json
from tessera_common.commands.runner import Handler
from tessera_common.commands.unit_of_work import Origin
from tessera_common.events import accounts as accounts_contracts
from tessera_common.events import usage as usage_contracts
from tessera_common.events.contract import Contract
from tessera_common.events.envelope import EventEnvelope, new_event
from tessera_common.testing.clock import FrozenClock
from tessera_common.testing.shards import InMemoryShards
from tessera_common.vocabulary import Currency, Meter, Plan, Region, TenantStatus

R = TypeVar("R")
SHARDS = ("shard-0", "shard-1")
MARCH = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


class Billing:
    """The billing handlers on in-memory shards (a fixed two-shard split) and a clock."""

    def __init__(self) -> None:
        self.shards = InMemoryShards()
        self.clock = FrozenClock(MARCH)
        self.commands = commands_on(
            lambda origin: FakeBillingUnitOfWork(self.shards, origin),
            shard_of=self.shard_of,
            price_book=PriceBook.from_dict(json.loads(price_book_json())),
            payment_terms_days=14,
            clock=self.clock,
        )
        self.correlation_id = uuid.uuid4()
        self.tenant_id = uuid.uuid4()

    @staticmethod
    def shard_of(tenant_id: uuid.UUID) -> str:
        return SHARDS[tenant_id.int % len(SHARDS)]

    async def run(self, handler: Handler[R], cmd: object) -> R:
        return (await self.commands.run(handler, cmd, Origin(self.correlation_id))).result

    async def subscribed(self, plan: Plan = Plan.PRO, seats: int = 3) -> Subscription:
        await self.run(start_subscription, StartSubscription(self.tenant_id, Currency.EUR))
        return await self.run(change_subscription, ChangeSubscription(self.tenant_id, plan, seats))

    async def invoice(self, period: Period | None = None) -> Invoice:
        period = period or Period(2026, 2)
        return await self.run(issue_invoice, IssueInvoice(self.tenant_id, period))

    def stored(self, table: str) -> dict[object, object]:
        return self.shards[self.shard_of(self.tenant_id)].tables[table]

    def published(self) -> list[str]:
        return [event.event_type for event in self.shards.published()]


@pytest.fixture
def billing() -> Billing:
    return Billing()


def accounts_event(payload: Contract, tenant_id: uuid.UUID) -> EventEnvelope:
    return new_event(
        payload, tenant_id=tenant_id, aggregate_type="tenant", aggregate_id=tenant_id,
        aggregate_version=1, correlation_id=uuid.uuid4(),
    )  # fmt: skip


async def test_accounts_events_start_change_and_cancel_the_subscription_once(
    billing: Billing,
) -> None:
    tenant = billing.tenant_id
    created = accounts_event(
        accounts_contracts.TenantCreated(
            tenant_id=tenant, name="Acme", region=Region.EU_WEST, plan=Plan.FREE,
            currency=Currency.EUR, status=TenantStatus.ACTIVE, shard="s", created_at=MARCH,
        ),
        tenant,
    )  # fmt: skip
    upgraded = accounts_event(
        accounts_contracts.TenantPlanChanged(
            tenant_id=tenant, plan=Plan.PRO, previous_plan=Plan.FREE
        ),
        tenant,
    )
    erased = accounts_event(
        accounts_contracts.TenantErased(tenant_id=tenant, erased_at=MARCH), tenant
    )
    react = AccountsEvents(billing.commands)

    for event in (created, created, upgraded, upgraded, erased, erased):  # each delivered twice
        await react(event)

    assert billing.published() == [
        "SubscriptionStarted", "SubscriptionChanged", "SubscriptionCancelled"
    ]  # fmt: skip
    subscription = billing.stored("subscriptions")[tenant]
    assert isinstance(subscription, Subscription)
    assert (subscription.plan, subscription.status) == (Plan.PRO, SubscriptionStatus.CANCELLED)
    assert {(CONSUMER, e.event_id) for e in (created, upgraded, erased)} <= (
        billing.shards[billing.shard_of(tenant)].inbox
    )
    reaction = billing.shards.published()[0]
    assert (reaction.correlation_id, reaction.causation_id) == (
        created.correlation_id, created.event_id,
    )  # fmt: skip


async def test_a_change_is_refused_without_a_subscription_or_over_a_stale_version(
    billing: Billing,
) -> None:
    with pytest.raises(SubscriptionNotFoundError):
        await billing.run(change_subscription, ChangeSubscription(billing.tenant_id, Plan.PRO, 2))
    subscription = await billing.subscribed(Plan.PRO, 2)
    with pytest.raises(StaleVersionError):
        await billing.run(
            change_subscription, ChangeSubscription(billing.tenant_id, Plan.ENTERPRISE, 2, 1)
        )
    same = await billing.run(
        change_subscription, ChangeSubscription(billing.tenant_id, Plan.PRO, 2, 2)
    )

    assert subscription.version == same.version == 2
    assert billing.published() == ["SubscriptionStarted", "SubscriptionChanged"]
    assert {e.correlation_id for e in billing.shards.published()} == {billing.correlation_id}


async def test_cancelling_twice_or_without_a_subscription_changes_nothing(billing: Billing) -> None:
    await billing.run(cancel_subscription, CancelSubscription(billing.tenant_id))
    await billing.subscribed()
    await billing.run(cancel_subscription, CancelSubscription(billing.tenant_id))
    await billing.run(cancel_subscription, CancelSubscription(billing.tenant_id))

    assert billing.published().count("SubscriptionCancelled") == 1


async def test_an_invoice_bills_a_closed_month_once_with_its_usage(billing: Billing) -> None:
    await billing.subscribed(Plan.PRO, 3)
    recorded = new_event(
        usage_contracts.UsageRecorded(
            batch_id=uuid.uuid4(), tenant_id=billing.tenant_id, records=2, recorded_at=MARCH,
            totals=[usage_contracts.UsageTotal(
                period="2026-02", meter=Meter.API_CALLS, quantity=5_000_000
            )],
        ),
        tenant_id=billing.tenant_id, aggregate_type="usage_batch", aggregate_id=uuid.uuid4(),
        aggregate_version=1, correlation_id=uuid.uuid4(),
    )  # fmt: skip
    choreography = Choreography(
        AccountsEvents(billing.commands), UsageEvents(billing.commands, billing.shard_of)
    )
    await choreography(recorded)
    await choreography(recorded)  # counted once

    invoice = await billing.invoice(Period(2026, 2))
    with pytest.raises(InvoiceAlreadyIssuedError):
        await billing.invoice(Period(2026, 2))
    with pytest.raises(PeriodNotClosedError):
        await billing.invoice(Period(2026, 3))

    assert billing.stored("usage_totals") == {
        (billing.tenant_id, "2026-02", "api_calls"): 5_000_000
    }
    assert "api_calls_overage" in {line.kind.value for line in invoice.lines}
    assert invoice.due_at == MARCH + timedelta(days=14)
    assert billing.published()[-1] == "InvoiceIssued"


def usage_recorded(tenant_id: uuid.UUID, period: str, quantity: int) -> EventEnvelope:
    total = usage_contracts.UsageTotal(period=period, meter=Meter.API_CALLS, quantity=quantity)
    return new_event(
        usage_contracts.UsageRecorded(
            batch_id=uuid.uuid4(), tenant_id=tenant_id, records=1, recorded_at=MARCH,
            totals=[total],
        ),
        tenant_id=tenant_id, aggregate_type="usage_batch", aggregate_id=uuid.uuid4(),
        aggregate_version=1, correlation_id=uuid.uuid4(),
    )  # fmt: skip


async def test_usage_fetched_together_counts_each_event_once_per_shard(billing: Billing) -> None:
    tenants = [uuid.UUID(int=n) for n in (2, 3, 4)]  # shards 0, 1 and 0
    first = [usage_recorded(tenant, "2026-02", 10 * (n + 1)) for n, tenant in enumerate(tenants)]
    again = usage_recorded(tenants[0], "2026-02", 7)
    choreography = Choreography(
        AccountsEvents(billing.commands), UsageEvents(billing.commands, billing.shard_of)
    )

    await choreography.many([*first, first[0]])  # a duplicate within one fetch
    await choreography.many([first[1], again])  # a redelivery beside a new event
    await choreography.many(first)  # all of them again

    totals = {
        key: quantity
        for shard in SHARDS
        for key, quantity in billing.shards[shard].tables["usage_totals"].items()
    }
    assert totals == {
        (tenants[0], "2026-02", "api_calls"): 17,
        (tenants[1], "2026-02", "api_calls"): 20,
        (tenants[2], "2026-02", "api_calls"): 30,
    }
    inboxes = {shard: billing.shards[shard].inbox for shard in SHARDS}
    assert inboxes == {
        "shard-0": {(CONSUMER, first[0].event_id), (CONSUMER, first[2].event_id),
                    (CONSUMER, again.event_id)},
        "shard-1": {(CONSUMER, first[1].event_id)},
    }  # fmt: skip


async def test_a_payment_pays_once_in_the_invoice_currency(billing: Billing) -> None:
    await billing.subscribed()
    invoice = await billing.invoice()
    payment_id = uuid.uuid4()
    pay = PayInvoice(billing.tenant_id, invoice.id, payment_id, invoice.total, Currency.EUR)

    in_dollars = PayInvoice(billing.tenant_id, invoice.id, uuid.uuid4(), 1, Currency.USD)
    with pytest.raises(CurrencyMismatchError):
        await billing.run(pay_invoice, in_dollars)
    paid = await billing.run(pay_invoice, pay)
    events_after_paying = billing.published()
    repeated = await billing.run(pay_invoice, pay)
    unknown = PayInvoice(billing.tenant_id, uuid.uuid4(), payment_id, 1, Currency.EUR)
    with pytest.raises(InvoiceNotFoundError):
        await billing.run(pay_invoice, unknown)

    assert paid.invoice.status is InvoiceStatus.PAID
    assert repeated.payment == paid.payment
    assert events_after_paying[-2:] == ["PaymentReceived", "InvoicePaid"]
    assert billing.published() == events_after_paying


async def test_the_scan_marks_open_invoices_past_due_overdue_once(billing: Billing) -> None:
    await billing.subscribed()
    invoice = await billing.invoice()
    scanner = OverdueScanner(billing.commands, lambda: SHARDS, interval_seconds=60)

    before = [await scanner.scan(shard) for shard in SHARDS]
    billing.clock.advance(timedelta(days=15))
    after = [await scanner.scan(shard) for shard in SHARDS]
    again = [await scanner.scan(shard) for shard in SHARDS]

    assert (sum(before), sum(after), sum(again)) == (0, 1, 0)
    stored = billing.stored("invoices")[invoice.id]
    assert isinstance(stored, Invoice)
    assert stored.status is InvoiceStatus.OVERDUE
    assert billing.published()[-1] == "InvoiceOverdue"
