"""What billing does when accounts reports a change: it never asks, it listens."""

from __future__ import annotations

from billing.app.ports import Clock, UnitOfWorkFactory
from billing.app.subscriptions import (
    Cause,
    ChangeSubscription,
    cancel_subscription,
    change_subscription,
    start_subscription,
)
from billing.domain.price_book import PriceBook
from tessera_common.events import accounts as contracts
from tessera_common.events import usage as usage_contracts
from tessera_common.events.envelope import EventEnvelope
from tessera_common.events.expectations import Consumes
from tessera_common.events.upcasting import parse_as

CONSUMER = "billing-choreography"
# What billing reads of each event it reacts to; provider tests hold the producers to it.
CONSUMES: Consumes = {
    "TenantCreated": {"tenant_id": "uuid", "currency": "string"},
    "TenantPlanChanged": {"tenant_id": "uuid", "plan": "string"},
    "TenantErased": {"tenant_id": "uuid"},
    "UsageRecorded": {
        "tenant_id": "uuid", "totals[].period": "string", "totals[].meter": "string",
        "totals[].quantity": "integer",
    },
}  # fmt: skip


class AccountsEvents:
    """TenantCreated starts a free subscription; TenantPlanChanged changes it; TenantErased
    cancels it. Every reaction is recorded in the inbox with its effect."""

    def __init__(self, uow_factory: UnitOfWorkFactory, price_book: PriceBook, clock: Clock) -> None:
        self._uow_factory = uow_factory
        self._price_book = price_book
        self._clock = clock

    async def __call__(self, event: EventEnvelope) -> None:
        if event.event_type not in CONSUMES:
            return  # not one billing reacts to, perhaps one it does not know yet: not ours
        payload = contracts.parse_accounts_payload(event)
        cause = Cause(CONSUMER, event.event_id)
        match payload:
            case contracts.TenantCreated():
                await start_subscription(
                    payload.tenant_id, payload.currency, cause,
                    correlation_id=event.correlation_id, uow_factory=self._uow_factory,
                    price_book=self._price_book, clock=self._clock,
                )  # fmt: skip
            case contracts.TenantPlanChanged():
                cmd = ChangeSubscription(
                    payload.tenant_id, payload.plan, None, None, event.correlation_id, cause
                )
                await change_subscription(cmd, self._uow_factory, self._price_book, self._clock)
            case contracts.TenantErased():
                await cancel_subscription(
                    payload.tenant_id, cause, correlation_id=event.correlation_id,
                    uow_factory=self._uow_factory, clock=self._clock,
                )  # fmt: skip


class UsageEvents:
    """UsageRecorded adds a batch's totals to the tenant's monthly usage, for invoices."""

    def __init__(self, uow_factory: UnitOfWorkFactory) -> None:
        self._uow_factory = uow_factory

    async def __call__(self, event: EventEnvelope) -> None:
        if event.event_type != usage_contracts.UsageRecorded.event_type:
            return
        recorded = parse_as(usage_contracts.UsageRecorded, event)
        tenant = recorded.tenant_id
        async with self._uow_factory(tenant, event.correlation_id, event.event_id) as uow:
            if await uow.first_delivery(CONSUMER, event.event_id):
                for total in recorded.totals:
                    await uow.usage.add(
                        recorded.tenant_id, total.period, total.meter.value, total.quantity
                    )
            await uow.commit()


class Choreography:
    """Billing's one consumer: each event to the handler of its bounded context."""

    def __init__(self, accounts: AccountsEvents, usage: UsageEvents) -> None:
        self._accounts = accounts
        self._usage = usage

    async def __call__(self, event: EventEnvelope) -> None:
        if event.aggregate_type == "usage_batch":
            await self._usage(event)
        else:
            await self._accounts(event)
