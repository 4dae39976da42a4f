"""What accounts does when billing reports on invoices: it listens, it is never called."""

from __future__ import annotations

import structlog

from accounts.app.ports import Clock, Directory, UnitOfWork, UnitOfWorkFactory
from accounts.app.tenancy import on_tenant
from accounts.domain.errors import TenantNotFoundError
from accounts.domain.tenant import Tenant
from tessera_common.events import billing as contracts
from tessera_common.events.envelope import EventEnvelope
from tessera_common.events.expectations import Consumes
from tessera_common.vocabulary import TenantStatus

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

    def __init__(self, uow_factory: UnitOfWorkFactory, directory: Directory, clock: Clock) -> None:
        self._uow_factory = uow_factory
        self._directory = directory
        self._clock = clock

    async def __call__(self, event: EventEnvelope) -> None:
        if event.event_type not in REACTS_TO:
            return  # billing publishes more than accounts reacts to
        payload = contracts.parse_billing_payload(event)
        overdue = isinstance(payload, contracts.InvoiceOverdue)

        async def react(tenant: Tenant, uow: UnitOfWork) -> None:
            if not await uow.first_delivery(CONSUMER, event.event_id):
                return
            if overdue:
                tenant.suspend("invoice overdue", self._clock())
            elif tenant.status is TenantStatus.SUSPENDED:
                tenant.reactivate(self._clock())

        try:
            await on_tenant(
                event.tenant_id, event.correlation_id, self._directory, self._uow_factory, react
            )
        except TenantNotFoundError:
            log.info("choreography_tenant_gone", tenant_id=str(event.tenant_id))
