"""The overdue scan: open invoices past their due date become overdue, shard by shard."""

from __future__ import annotations

import asyncio
import uuid

import structlog
from prometheus_client import Counter

from billing.adapters.unit_of_work import BillingUnitOfWork
from billing.app.invoices import mark_overdue
from billing.app.ports import Clock, UnitOfWorkFactory
from tessera_common.db.engines import ShardEngines

log = structlog.get_logger(__name__)
BATCH = 500

INVOICES_OVERDUE = Counter("tessera_billing_invoices_overdue_total", "Invoices marked overdue.")


class OverdueScanner:
    def __init__(
        self,
        engines: ShardEngines,
        uow_factory: UnitOfWorkFactory,
        clock: Clock,
        interval_seconds: float,
    ) -> None:
        self._engines = engines
        self._uow_factory = uow_factory
        self._clock = clock
        self._interval = interval_seconds

    async def run(self) -> None:
        while True:
            for shard in self._engines.names:
                try:
                    await self.scan(shard)
                except Exception as exc:
                    log.warning("overdue_scan_failed", shard=shard, error=repr(exc))
            await asyncio.sleep(self._interval)

    async def scan(self, shard: str) -> int:
        async with BillingUnitOfWork(self._engines, shard, uuid.uuid4()) as uow:
            due = await uow.invoices.open_past_due(self._clock(), BATCH)
        marked = 0
        for tenant_id, invoice_id in due:
            if await mark_overdue(tenant_id, invoice_id, self._uow_factory, self._clock):
                marked += 1
        INVOICES_OVERDUE.inc(marked)
        return marked
