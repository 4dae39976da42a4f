"""Load and save billing aggregates on one shard's connection."""

from __future__ import annotations

import dataclasses
import uuid

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from billing.adapters.orm import subscriptions
from billing.domain.errors import ConcurrentUpdateError
from billing.domain.price_book import Prices
from billing.domain.subscription import Subscription, SubscriptionStatus
from tessera_common.vocabulary import Currency, Plan


class SubscriptionRepository:
    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def get(self, tenant_id: uuid.UUID) -> Subscription | None:
        query = select(subscriptions).where(subscriptions.c.tenant_id == tenant_id)
        row = (await self._conn.execute(query)).first()
        if row is None:
            return None
        return Subscription(
            tenant_id=row.tenant_id,
            plan=Plan(row.plan),
            seats=row.seats,
            currency=Currency(row.currency),
            prices=Prices(**row.prices),
            status=SubscriptionStatus(row.status),
            version=row.version,
            started_at=row.started_at,
            updated_at=row.updated_at,
        )

    async def add(self, subscription: Subscription) -> None:
        await self._conn.execute(subscriptions.insert().values(**self._row(subscription)))

    async def update(self, subscription: Subscription, expected_version: int) -> None:
        result = await self._conn.execute(
            update(subscriptions)
            .where(
                subscriptions.c.tenant_id == subscription.tenant_id,
                subscriptions.c.version == expected_version,
            )
            .values(**self._row(subscription))
        )
        if result.rowcount != 1:
            raise ConcurrentUpdateError(f"subscription {subscription.tenant_id} changed")

    @staticmethod
    def _row(subscription: Subscription) -> dict[str, object]:
        return {
            "tenant_id": subscription.tenant_id,
            "plan": subscription.plan.value,
            "seats": subscription.seats,
            "currency": subscription.currency.value,
            "prices": dataclasses.asdict(subscription.prices),
            "status": subscription.status.value,
            "version": subscription.version,
            "started_at": subscription.started_at,
            "updated_at": subscription.updated_at,
        }
