"""What billing does when accounts or usage report a change: it never asks, it listens."""

from __future__ import annotations

from billing.app.cancel_subscription import CancelSubscription, cancel_subscription
from billing.app.change_subscription import ChangeSubscription, change_subscription
from billing.app.record_usage_totals import RecordUsageTotals, UsageTotal, record_usage_totals
from billing.app.start_subscription import StartSubscription, start_subscription
from tessera_common.commands.runner import CommandRunner
from tessera_common.commands.unit_of_work import Origin
from tessera_common.events import accounts as contracts
from tessera_common.events import usage as usage_contracts
from tessera_common.events.envelope import EventEnvelope
from tessera_common.events.expectations import Consumes
from tessera_common.events.upcasting import parse_as

CONSUMER = "billing-choreography"
# What billing reads of each event it reacts to; provider tests hold the producers to it.
CONSUMES: Consumes = {
    "TenantCreated": {"tenant_id": "uuid", "currency": "string"},
    "TenantPlanChanged": {"tenant_id": "uuid", "plan": "string"},
    "TenantErased": {"tenant_id": "uuid"},
    "UsageRecorded": {
        "tenant_id": "uuid", "totals[].period": "string", "totals[].meter": "string",
        "totals[].quantity": "integer",
    },
}  # fmt: skip


class AccountsEvents:
    """TenantCreated starts a free subscription; TenantPlanChanged changes it; TenantErased
    cancels it. Every reaction is recorded in the inbox with its effect."""

    def __init__(self, commands: CommandRunner) -> None:
        self._commands = commands

    async def __call__(self, event: EventEnvelope) -> None:
        if event.event_type not in CONSUMES:
            return  # not one billing reacts to, perhaps one it does not know yet: not ours
        payload = contracts.parse_accounts_payload(event)
        origin = Origin.reaction(event, CONSUMER)
        match payload:
            case contracts.TenantCreated():
                start = StartSubscription(payload.tenant_id, payload.currency)
                await self._commands.react(start_subscription, start, origin)
            case contracts.TenantPlanChanged():
                change = ChangeSubscription(payload.tenant_id, payload.plan)
                await self._commands.react(change_subscription, change, origin)
            case contracts.TenantErased():
                cancel = CancelSubscription(payload.tenant_id)
                await self._commands.react(cancel_subscription, cancel, origin)


class UsageEvents:
    """UsageRecorded adds a batch's totals to the tenant's monthly usage, for invoices."""

    def __init__(self, commands: CommandRunner) -> None:
        self._commands = commands

    async def __call__(self, event: EventEnvelope) -> None:
        if event.event_type != usage_contracts.UsageRecorded.event_type:
            return
        recorded = parse_as(usage_contracts.UsageRecorded, event)
        totals = tuple(UsageTotal(t.period, t.meter.value, t.quantity) for t in recorded.totals)
        cmd = RecordUsageTotals(recorded.tenant_id, totals)
        await self._commands.react(record_usage_totals, cmd, Origin.reaction(event, CONSUMER))


class Choreography:
    """Billing's one consumer: each event to the handler of its bounded context."""

    def __init__(self, accounts: AccountsEvents, usage: UsageEvents) -> None:
        self._accounts = accounts
        self._usage = usage

    async def __call__(self, event: EventEnvelope) -> None:
        if event.aggregate_type == "usage_batch":
            await self._usage(event)
        else:
            await self._accounts(event)
