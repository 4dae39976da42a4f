"""What accounts does when billing reports on invoices: it listens, it is never called."""

from __future__ import annotations

import structlog

from accounts.app.change_tenant_status import ChangeTenantStatus, Lifecycle, change_tenant_status
from accounts.domain.errors import TenantNotFoundError
from tessera_common.commands.runner import CommandRunner
from tessera_common.commands.unit_of_work import Origin
from tessera_common.events import billing as contracts
from tessera_common.events.envelope import EventEnvelope
from tessera_common.events.expectations import Consumes

log = structlog.get_logger(__name__)
CONSUMER = "accounts-choreography"
# Accounts reacts to these events and reads none of their fields: the tenant is the envelope's.
CONSUMES: Consumes = {
    contracts.InvoiceOverdue.event_type: {},
    contracts.InvoicePaid.event_type: {},
}
REACTS_TO = tuple(CONSUMES)


class BillingEvents:
    """InvoiceOverdue suspends the tenant; InvoicePaid reactivates a suspended one. Each
    reaction is recorded in the inbox with its effect, so a redelivery changes nothing."""

    def __init__(self, commands: CommandRunner) -> None:
        self._commands = commands

    async def __call__(self, event: EventEnvelope) -> None:
        if event.event_type not in REACTS_TO:
            return  # billing publishes more than accounts reacts to
        payload = contracts.parse_billing_payload(event)
        if isinstance(payload, contracts.InvoiceOverdue):
            cmd = ChangeTenantStatus(event.tenant_id, Lifecycle.SUSPEND, "invoice overdue")
        else:  # reactivating an active tenant changes nothing
            cmd = ChangeTenantStatus(event.tenant_id, Lifecycle.REACTIVATE)
        try:
            await self._commands.react(change_tenant_status, cmd, Origin.reaction(event, CONSUMER))
        except TenantNotFoundError:
            log.info("choreography_tenant_gone", tenant_id=str(event.tenant_id))
