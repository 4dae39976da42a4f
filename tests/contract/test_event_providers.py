"""Provider side of the event contracts: the producers' real code emits what consumers read.

Each producer's domain runs a life cycle that raises every one of its events; its
integration-event mapping turns them into envelopes, as the outbox would publish them.
Every field each consumer declares (`CONSUMES`) must be in those payloads, with its type.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta

import pytest
from jsonschema import Draft202012Validator  # type: ignore[import-untyped]

import accounts.app.choreography
import billing.app.choreography
import projector.projections.accounts
import projector.projections.billing
from accounts.adapters import integration_events as accounts_mapping
from accounts.domain.tenant import Tenant
from billing.adapters import integration_events as billing_mapping
from billing.domain.invoice import Invoice
from billing.domain.period import Period
from billing.domain.price_book import PriceBook
from billing.domain.subscription import Subscription
from tessera_common.catalog import price_book_json
from tessera_common.events import registry
from tessera_common.events.envelope import EventEnvelope
from tessera_common.events.expectations import Consumes, FieldType, unmet
from tessera_common.vocabulary import Currency, Meter, Plan, Region, UserRole
from usage.adapters import integration_events as usage_mapping
from usage.domain.batch import Batch, UsageRecord

NOW = datetime(2026, 2, 3, 9, 0, tzinfo=UTC)

CONSUMERS: dict[str, Consumes] = {
    "projector/accounts": projector.projections.accounts.CONSUMES,
    "projector/billing": projector.projections.billing.CONSUMES,
    "billing-choreography": billing.app.choreography.CONSUMES,
    "accounts-choreography": accounts.app.choreography.CONSUMES,
}


def accounts_events() -> list[EventEnvelope]:
    """A tenant's whole life: created, keyed, staffed, changed, moved, suspended, erased."""
    tenant = Tenant.create(
        tenant_id=uuid.uuid4(), name="Acme", region=Region.EU_WEST, plan=Plan.FREE,
        currency=Currency.EUR, shard="accounts-eu-west-1", now=NOW,
    )  # fmt: skip
    key, _ = tenant.issue_api_key(NOW)
    user = tenant.add_user(
        user_id=uuid.uuid4(), email="ada@example.com", name="Ada", role=UserRole.ADMIN, now=NOW
    )
    tenant.update_profile(name="Acme Ltd", plan=Plan.PRO, now=NOW)
    tenant.update_user(user, name="Ada L.", role=UserRole.MEMBER, now=NOW)
    tenant.remove_user(user, NOW)
    tenant.revoke_api_key(key, NOW)
    tenant.moved_to("accounts-eu-west-2", NOW)
    tenant.suspend("invoice overdue", NOW)
    tenant.reactivate(NOW)
    tenant.erase(NOW)
    return [accounts_mapping.integration_event(e).envelope(uuid.uuid4()) for e in tenant.events]


def billing_events() -> list[EventEnvelope]:
    """A subscription upgraded and cancelled; one invoice paid in two parts, one overdue."""
    book = PriceBook.from_dict(json.loads(price_book_json()))
    subscription = Subscription.start(
        tenant_id=uuid.uuid4(), currency=Currency.EUR, price_book=book, now=NOW
    )
    subscription.change(plan=Plan.PRO, seats=3, price_book=book, now=NOW)
    paid = Invoice.issue(
        invoice_id=uuid.uuid4(), subscription=subscription, period=Period(2026, 1),
        api_calls_used=250_000, now=NOW,
    )  # fmt: skip
    paid.pay(payment_id=uuid.uuid4(), amount=paid.total - 1, currency=Currency.EUR, now=NOW)
    paid.pay(payment_id=uuid.uuid4(), amount=1, currency=Currency.EUR, now=NOW)
    overdue = Invoice.issue(
        invoice_id=uuid.uuid4(), subscription=subscription, period=Period(2025, 12),
        api_calls_used=0, now=NOW,
    )  # fmt: skip
    overdue.mark_overdue(overdue.due_at + timedelta(days=1))
    subscription.cancel(NOW)
    raised = [*subscription.events, *paid.events, *overdue.events]
    return [billing_mapping.integration_event(e).envelope(uuid.uuid4()) for e in raised]


def usage_events() -> list[EventEnvelope]:
    """A batch over two meters and two months."""
    tenant = uuid.uuid4()
    records = [
        UsageRecord(uuid.uuid4(), Meter.API_CALLS, 500, NOW - timedelta(hours=1)),
        UsageRecord(uuid.uuid4(), Meter.API_CALLS, 20, NOW - timedelta(hours=2)),
        UsageRecord(uuid.uuid4(), Meter.STORAGE_GB_HOURS, 3, NOW - timedelta(days=10)),
    ]
    batch = Batch.accept(tenant, records, now=NOW, oldest=NOW - timedelta(days=365))
    batch.stored(list(batch.records), NOW)
    return [usage_mapping.integration_event(e).envelope(uuid.uuid4()) for e in batch.events]


def produced() -> dict[str, list[EventEnvelope]]:
    """Every produced event as a consumer receives it (through JSON), by type."""
    by_type: dict[str, list[EventEnvelope]] = {}
    for event in [*accounts_events(), *billing_events(), *usage_events()]:
        by_type.setdefault(event.event_type, []).append(EventEnvelope.from_json(event.to_json()))
    return by_type


PRODUCED = produced()
EXPECTATIONS = [
    (consumer, event_type, fields)
    for consumer, consumes in CONSUMERS.items()
    for event_type, fields in consumes.items()
]


def test_the_producers_raise_every_published_event() -> None:
    assert set(PRODUCED) == set(registry.CONTRACTS)


@pytest.mark.parametrize(
    ("consumer", "event_type", "fields"),
    EXPECTATIONS,
    ids=[f"{consumer}:{event_type}" for consumer, event_type, _ in EXPECTATIONS],
)
def test_producers_emit_every_field_a_consumer_reads(
    consumer: str, event_type: str, fields: Mapping[str, FieldType]
) -> None:
    events = PRODUCED.get(event_type)
    assert events, f"{consumer} reads {event_type}, which no producer emits"
    for event in events:
        assert unmet(event.payload, fields) == [], f"{consumer} cannot read {event_type}"


@pytest.mark.parametrize("event_type", sorted(PRODUCED))
def test_produced_events_conform_to_their_committed_schema(event_type: str) -> None:
    contract = registry.CONTRACTS[event_type]
    schema = registry.committed(event_type, contract.schema_version)
    envelope_schema = registry.committed(registry.ENVELOPE, registry.ENVELOPE_VERSION)
    assert schema is not None
    assert envelope_schema is not None
    checker = Draft202012Validator.FORMAT_CHECKER
    for event in PRODUCED[event_type]:
        assert event.schema_version == contract.schema_version
        Draft202012Validator(schema, format_checker=checker).validate(event.payload)
        Draft202012Validator(envelope_schema, format_checker=checker).validate(
            event.model_dump(mode="json")
        )
