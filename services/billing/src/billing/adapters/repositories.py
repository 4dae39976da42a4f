"""Load and save billing aggregates on one shard's connection."""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Mapping
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from billing.adapters.orm import invoices, payments, subscriptions, usage_totals
from billing.app.ports import UsageKey
from billing.domain.errors import (
    ConcurrentUpdateError,
    InvoiceAlreadyIssuedError,
    PaymentConflictError,
)
from billing.domain.invoice import Invoice, InvoiceStatus, Payment
from billing.domain.lines import InvoiceLine, LineKind
from billing.domain.period import Period
from billing.domain.price_book import Prices
from billing.domain.subscription import Subscription, SubscriptionStatus
from tessera_common.commands.aggregates import Seen
from tessera_common.vocabulary import Currency, Plan


class SubscriptionRepository:
    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn
        self.seen: Seen[Subscription] = Seen()

    async def get(self, tenant_id: uuid.UUID) -> Subscription | None:
        query = select(subscriptions).where(subscriptions.c.tenant_id == tenant_id)
        row = (await self._conn.execute(query)).first()
        if row is None:
            return None
        subscription = Subscription(
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
        return self.seen.add(subscription)

    async def add(self, subscription: Subscription) -> None:
        await self._conn.execute(subscriptions.insert().values(**self._row(subscription)))
        self.seen.add(subscription)

    async def save_changes(self) -> None:
        for subscription, read_version in self.seen.changed():
            await self.update(subscription, read_version)

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


class InvoiceRepository:
    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn
        self.seen: Seen[Invoice] = Seen()

    async def get(self, tenant_id: uuid.UUID, invoice_id: uuid.UUID) -> Invoice | None:
        query = select(invoices).where(
            invoices.c.tenant_id == tenant_id, invoices.c.id == invoice_id
        )
        row = (await self._conn.execute(query)).first()
        if row is None:
            return None
        paid = await self._conn.execute(
            select(payments).where(payments.c.invoice_id == invoice_id).order_by("received_at")
        )
        invoice = Invoice(
            id=row.id,
            tenant_id=row.tenant_id,
            period=Period.parse(row.period),
            plan=Plan(row.plan),
            currency=Currency(row.currency),
            lines=tuple(
                InvoiceLine(**{**line, "kind": LineKind(line["kind"])}) for line in row.lines
            ),
            total=row.total,
            status=InvoiceStatus(row.status),
            version=row.version,
            issued_at=row.issued_at,
            due_at=row.due_at,
            updated_at=row.updated_at,
            payments=[
                Payment(p.id, p.invoice_id, p.amount, Currency(p.currency), p.received_at)
                for p in paid
            ],
        )
        return self.seen.add(invoice)

    async def add(self, invoice: Invoice) -> None:
        try:
            async with self._conn.begin_nested():
                await self._conn.execute(invoices.insert().values(**self._row(invoice)))
        except IntegrityError as exc:
            raise InvoiceAlreadyIssuedError(str(invoice.period)) from exc
        await self._add_payments(invoice, set())
        self.seen.add(invoice)

    async def save_changes(self) -> None:
        for invoice, read_version in self.seen.changed():
            await self.update(invoice, read_version)

    async def update(self, invoice: Invoice, expected_version: int) -> None:
        result = await self._conn.execute(
            update(invoices)
            .where(invoices.c.id == invoice.id, invoices.c.version == expected_version)
            .values(**self._row(invoice))
        )
        if result.rowcount != 1:
            raise ConcurrentUpdateError(f"invoice {invoice.id} changed concurrently")
        known = await self._conn.execute(
            select(payments.c.id).where(payments.c.invoice_id == invoice.id)
        )
        await self._add_payments(invoice, {row.id for row in known})

    async def open_past_due(self, now: datetime, limit: int) -> list[tuple[uuid.UUID, uuid.UUID]]:
        """(tenant_id, invoice_id) of open invoices whose due date has passed."""
        query = (
            select(invoices.c.tenant_id, invoices.c.id)
            .where(invoices.c.status == InvoiceStatus.OPEN.value, invoices.c.due_at < now)
            .order_by(invoices.c.due_at)
            .limit(limit)
        )
        return [(row.tenant_id, row.id) for row in await self._conn.execute(query)]

    async def _add_payments(self, invoice: Invoice, known: set[uuid.UUID]) -> None:
        for payment in invoice.payments:
            if payment.id in known:
                continue
            try:
                async with self._conn.begin_nested():
                    await self._conn.execute(
                        payments.insert().values(
                            id=payment.id, invoice_id=invoice.id, tenant_id=invoice.tenant_id,
                            amount=payment.amount, currency=payment.currency.value,
                            received_at=payment.received_at,
                        )
                    )  # fmt: skip
            except IntegrityError as exc:  # the id was used on another invoice
                raise PaymentConflictError(payment.id) from exc

    @staticmethod
    def _row(invoice: Invoice) -> dict[str, object]:
        return {
            "id": invoice.id,
            "tenant_id": invoice.tenant_id,
            "period": str(invoice.period),
            "plan": invoice.plan.value,
            "currency": invoice.currency.value,
            "lines": [
                {**dataclasses.asdict(line), "kind": line.kind.value} for line in invoice.lines
            ],
            "total": invoice.total,
            "status": invoice.status.value,
            "version": invoice.version,
            "issued_at": invoice.issued_at,
            "due_at": invoice.due_at,
            "updated_at": invoice.updated_at,
        }


class UsageTotals:
    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def api_calls(self, tenant_id: uuid.UUID, period: Period) -> int:
        query = select(usage_totals.c.quantity).where(
            usage_totals.c.tenant_id == tenant_id,
            usage_totals.c.period == str(period),
            usage_totals.c.meter == "api_calls",
        )
        return int((await self._conn.execute(query)).scalar() or 0)

    async def add(self, quantities: Mapping[UsageKey, int]) -> None:
        if not quantities:
            return
        rows = [
            {"tenant_id": tenant_id, "period": period, "meter": meter, "quantity": quantity}
            for (tenant_id, period, meter), quantity in quantities.items()
        ]
        stmt = insert(usage_totals).values(rows)
        await self._conn.execute(
            stmt.on_conflict_do_update(
                index_elements=["tenant_id", "period", "meter"],
                set_={"quantity": usage_totals.c.quantity + stmt.excluded.quantity},
            )
        )
