"""ChangeSubscription: plan and seats, over the version the caller has seen (if it says)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from billing.app.ports import Clock, ShardOf, UnitOfWork
from billing.domain.errors import StaleVersionError, SubscriptionNotFoundError
from billing.domain.price_book import PriceBook
from billing.domain.subscription import Subscription
from tessera_common.vocabulary import Plan


@dataclass(frozen=True)
class ChangeSubscription:
    tenant_id: uuid.UUID
    plan: Plan
    seats: int | None = None  # None keeps the current seats
    expected_version: int | None = None


async def change_subscription(
    cmd: ChangeSubscription,
    uow: UnitOfWork,
    shard_of: ShardOf,
    price_book: PriceBook,
    clock: Clock,
) -> Subscription:
    await uow.open(shard_of(cmd.tenant_id))
    subscription = await uow.subscriptions.get(cmd.tenant_id)
    if subscription is None:
        raise SubscriptionNotFoundError(str(cmd.tenant_id))
    if cmd.expected_version is not None and cmd.expected_version != subscription.version:
        raise StaleVersionError(cmd.expected_version, subscription.version)
    seats = cmd.seats if cmd.seats is not None else subscription.seats
    subscription.change(plan=cmd.plan, seats=seats, price_book=price_book, now=clock())
    return subscription
