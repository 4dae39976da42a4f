"""StartSubscription, ChangeSubscription, CancelSubscription."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from billing.app.ports import Clock, UnitOfWork, UnitOfWorkFactory
from billing.domain.errors import StaleVersionError, SubscriptionNotFoundError
from billing.domain.price_book import PriceBook
from billing.domain.subscription import Subscription
from tessera_common.events.envelope import EventEnvelope
from tessera_common.vocabulary import Currency, Plan


@dataclass(frozen=True)
class Cause:
    """The event a command reacts to (choreography), for the inbox and causation ids."""

    consumer: str
    event_id: uuid.UUID


async def _first_time(uow: UnitOfWork, cause: Cause | None) -> bool:
    return cause is None or await uow.first_delivery(cause.consumer, cause.event_id)


async def start_subscription(
    tenant_id: uuid.UUID,
    currency: Currency,
    cause: Cause,
    *,
    correlation_id: uuid.UUID,
    uow_factory: UnitOfWorkFactory,
    price_book: PriceBook,
    clock: Clock,
) -> None:
    """A new tenant starts on the free plan with one seat, in its own currency."""
    async with uow_factory(tenant_id, correlation_id, cause.event_id) as uow:
        if await _first_time(uow, cause) and await uow.subscriptions.get(tenant_id) is None:
            subscription = Subscription.start(
                tenant_id=tenant_id, currency=currency, price_book=price_book, now=clock()
            )
            await uow.subscriptions.add(subscription)
            uow.stage(subscription)
        await uow.commit()


@dataclass(frozen=True)
class ChangeSubscription:
    tenant_id: uuid.UUID
    plan: Plan
    seats: int | None  # None keeps the current seats
    expected_version: int | None
    correlation_id: uuid.UUID
    cause: Cause | None = None


async def change_subscription(
    cmd: ChangeSubscription, uow_factory: UnitOfWorkFactory, price_book: PriceBook, clock: Clock
) -> tuple[Subscription, list[EventEnvelope]]:
    causation = cmd.cause.event_id if cmd.cause else None
    async with uow_factory(cmd.tenant_id, cmd.correlation_id, causation) as uow:
        subscription = await uow.subscriptions.get(cmd.tenant_id)
        if subscription is None:
            raise SubscriptionNotFoundError(str(cmd.tenant_id))
        events: list[EventEnvelope] = []
        if await _first_time(uow, cmd.cause):
            if cmd.expected_version is not None and cmd.expected_version != subscription.version:
                raise StaleVersionError(cmd.expected_version, subscription.version)
            read_version = subscription.version
            seats = cmd.seats if cmd.seats is not None else subscription.seats
            subscription.change(plan=cmd.plan, seats=seats, price_book=price_book, now=clock())
            if subscription.version != read_version:
                await uow.subscriptions.update(subscription, read_version)
                events = uow.stage(subscription)
        await uow.commit()
    return subscription, events


async def cancel_subscription(
    tenant_id: uuid.UUID,
    cause: Cause,
    *,
    correlation_id: uuid.UUID,
    uow_factory: UnitOfWorkFactory,
    clock: Clock,
) -> None:
    """An erased tenant's subscription ends (billing holds no personal data to delete)."""
    async with uow_factory(tenant_id, correlation_id, cause.event_id) as uow:
        subscription = await uow.subscriptions.get(tenant_id)
        if await _first_time(uow, cause) and subscription and not subscription.cancelled:
            read_version = subscription.version
            subscription.cancel(clock())
            await uow.subscriptions.update(subscription, read_version)
            uow.stage(subscription)
        await uow.commit()
