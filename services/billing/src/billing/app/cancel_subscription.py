"""CancelSubscription: an erased tenant's subscription ends (billing holds no personal data)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from billing.app.ports import Clock, ShardOf, UnitOfWork


@dataclass(frozen=True)
class CancelSubscription:
    tenant_id: uuid.UUID


async def cancel_subscription(
    cmd: CancelSubscription, uow: UnitOfWork, shard_of: ShardOf, clock: Clock
) -> None:
    """Idempotent; a tenant without a subscription has nothing to cancel."""
    await uow.open(shard_of(cmd.tenant_id))
    subscription = await uow.subscriptions.get(cmd.tenant_id)
    if subscription is not None:
        subscription.cancel(clock())
