"""What billing does when accounts or usage report a change: it never asks, it listens."""

from __future__ import annotations

from collections.abc import Sequence

from billing.app.cancel_subscription import CancelSubscription, cancel_subscription
from billing.app.change_subscription import ChangeSubscription, change_subscription
from billing.app.ports import ShardOf
from billing.app.record_usage_totals import (
    RecordedUsage,
    RecordUsageTotals,
    UsageTotal,
    record_usage_totals,
)
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
    """UsageRecorded adds a batch's totals to the tenant's monthly usage, for invoices. The
    events fetched together are applied in one transaction per shard (a metering flush
    reports hundreds of tenants at once)."""

    def __init__(self, commands: CommandRunner, shard_of: ShardOf) -> None:
        self._commands = commands
        self._shard_of = shard_of

    async def __call__(self, event: EventEnvelope) -> None:
        await self.many([event])

    async def many(self, events: Sequence[EventEnvelope]) -> None:
        by_shard: dict[str, list[tuple[EventEnvelope, RecordedUsage]]] = {}
        for event in events:
            if event.event_type != usage_contracts.UsageRecorded.event_type:
                continue
            usage = parse_as(usage_contracts.UsageRecorded, event)
            totals = tuple(UsageTotal(t.period, t.meter.value, t.quantity) for t in usage.totals)
            recorded = RecordedUsage(event.event_id, usage.tenant_id, totals)
            by_shard.setdefault(self._shard_of(usage.tenant_id), []).append((event, recorded))
        for shard, answered in by_shard.items():
            cmd = RecordUsageTotals(shard, tuple(recorded for _, recorded in answered))
            origin = Origin.reaction_to_many([event for event, _ in answered], CONSUMER)
            await self._commands.react(record_usage_totals, cmd, origin)


class Choreography:
    """Billing's one consumer: each event to the handler of its bounded context."""

    def __init__(self, accounts: AccountsEvents, usage: UsageEvents) -> None:
        self._accounts = accounts
        self._usage = usage

    async def __call__(self, event: EventEnvelope) -> None:
        await self.many([event])

    async def many(self, events: Sequence[EventEnvelope]) -> None:
        """Accounts' events one by one, in order; usage's together."""
        usage = [event for event in events if event.aggregate_type == "usage_batch"]
        for event in events:
            if event.aggregate_type != "usage_batch":
                await self._accounts(event)
        if usage:
            await self._usage.many(usage)
