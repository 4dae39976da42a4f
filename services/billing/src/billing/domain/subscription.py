"""The subscription aggregate: one per tenant, the plan and seats it pays for."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from billing.domain.errors import SubscriptionCancelledError
from billing.domain.events import (
    SubscriptionCancelled,
    SubscriptionChanged,
    SubscriptionEvent,
    SubscriptionStarted,
)
from billing.domain.fields import clean_seats
from billing.domain.price_book import PriceBook, Prices
from tessera_common.vocabulary import Currency, Plan


class SubscriptionStatus(StrEnum):
    ACTIVE = "active"
    CANCELLED = "cancelled"


@dataclass
class Subscription:
    """`prices` is a snapshot: a new price book reaches a tenant when its plan or seats change."""

    tenant_id: uuid.UUID
    plan: Plan
    seats: int
    currency: Currency
    prices: Prices
    status: SubscriptionStatus
    version: int
    started_at: datetime
    updated_at: datetime
    events: list[SubscriptionEvent] = field(default_factory=list, repr=False, compare=False)

    @classmethod
    def start(
        cls,
        *,
        tenant_id: uuid.UUID,
        currency: Currency,
        plan: Plan = Plan.FREE,
        seats: int = 1,
        price_book: PriceBook,
        now: datetime,
    ) -> Subscription:
        subscription = cls(
            tenant_id=tenant_id,
            plan=plan,
            seats=clean_seats(seats),
            currency=currency,
            prices=price_book.price(plan, currency),
            status=SubscriptionStatus.ACTIVE,
            version=1,
            started_at=now,
            updated_at=now,
        )
        subscription.events.append(
            SubscriptionStarted(
                tenant_id=tenant_id,
                version=subscription.version,
                plan=plan,
                seats=seats,
                currency=currency,
                prices=subscription.prices,
                started_at=now,
            )
        )
        return subscription

    @property
    def cancelled(self) -> bool:
        return self.status is SubscriptionStatus.CANCELLED

    def change(self, *, plan: Plan, seats: int, price_book: PriceBook, now: datetime) -> None:
        """Move to `plan` and `seats` at today's prices; the same plan and seats change nothing."""
        self.require_active()
        seats = clean_seats(seats)
        if (plan, seats) == (self.plan, self.seats):
            return
        previous_plan, previous_seats = self.plan, self.seats
        self.plan, self.seats = plan, seats
        self.prices = price_book.price(plan, self.currency)
        self._bump(now)
        self.events.append(
            SubscriptionChanged(
                tenant_id=self.tenant_id,
                version=self.version,
                plan=plan,
                seats=seats,
                previous_plan=previous_plan,
                previous_seats=previous_seats,
                prices=self.prices,
                changed_at=now,
            )
        )

    def cancel(self, now: datetime) -> None:
        """Idempotent: cancelling a cancelled subscription changes nothing."""
        if self.cancelled:
            return
        self.status = SubscriptionStatus.CANCELLED
        self._bump(now)
        self.events.append(SubscriptionCancelled(self.tenant_id, self.version, now))

    def require_active(self) -> None:
        if self.cancelled:
            raise SubscriptionCancelledError(
                f"tenant {self.tenant_id} has cancelled its subscription"
            )

    def _bump(self, now: datetime) -> None:
        self.version += 1
        self.updated_at = now
