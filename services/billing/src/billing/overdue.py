"""The overdue scan: open invoices past their due date become overdue, shard by shard."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence

import structlog
from prometheus_client import Counter

from billing.app.mark_overdue import MarkOverdue, mark_overdue
from billing.app.past_due_invoices import PastDueInvoices, past_due_invoices
from tessera_common.commands.runner import CommandRunner
from tessera_common.commands.unit_of_work import Origin

log = structlog.get_logger(__name__)
BATCH = 500

INVOICES_OVERDUE = Counter("tessera_billing_invoices_overdue_total", "Invoices marked overdue.")


class OverdueScanner:
    def __init__(
        self,
        commands: CommandRunner,
        shards: Callable[[], Sequence[str]],
        interval_seconds: float,
    ) -> None:
        """`shards` names the shards to scan, asked every round (the topology may add some)."""
        self._commands = commands
        self._shards = shards
        self._interval = interval_seconds

    async def run(self) -> None:
        while True:
            for shard in self._shards():
                try:
                    await self.scan(shard)
                except Exception as exc:
                    log.warning("overdue_scan_failed", shard=shard, error=repr(exc))
            await asyncio.sleep(self._interval)

    async def scan(self, shard: str) -> int:
        due = await self._commands.run(
            past_due_invoices, PastDueInvoices(shard, BATCH), Origin.scheduled()
        )
        marked = 0
        for tenant_id, invoice_id in due.result:
            cmd = MarkOverdue(tenant_id, invoice_id)
            if (await self._commands.run(mark_overdue, cmd, Origin.scheduled())).result:
                marked += 1
        INVOICES_OVERDUE.inc(marked)
        return marked
