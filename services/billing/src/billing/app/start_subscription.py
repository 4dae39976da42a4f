"""StartSubscription: a new tenant starts on the free plan with one seat, in its currency."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from billing.app.ports import Clock, ShardOf, UnitOfWork
from billing.domain.price_book import PriceBook
from billing.domain.subscription import Subscription
from tessera_common.vocabulary import Currency


@dataclass(frozen=True)
class StartSubscription:
    tenant_id: uuid.UUID
    currency: Currency


async def start_subscription(
    cmd: StartSubscription, uow: UnitOfWork, shard_of: ShardOf, price_book: PriceBook, clock: Clock
) -> Subscription:
    """The tenant's subscription: started now, or the one it already has."""
    await uow.open(shard_of(cmd.tenant_id))
    if (existing := await uow.subscriptions.get(cmd.tenant_id)) is not None:
        return existing
    subscription = Subscription.start(
        tenant_id=cmd.tenant_id, currency=cmd.currency, price_book=price_book, now=clock()
    )
    await uow.subscriptions.add(subscription)
    return subscription
