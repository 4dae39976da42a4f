"""In-memory repositories behind each command service's ports, and the units of work that
hold them: the kit's in-memory unit of work (tessera_common.testing) with each service's
repositories, so the handlers run as they do on Postgres, without it (tests/unit)."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from datetime import datetime

from accounts.adapters.integration_events import integration_event as accounts_event
from accounts.domain.api_key import ApiKey
from accounts.domain.errors import DuplicateEmailError
from accounts.domain.tenant import Tenant
from accounts.domain.user import User
from billing.adapters.integration_events import integration_event as billing_event
from billing.app.ports import UsageKey
from billing.domain.errors import InvoiceAlreadyIssuedError, PaymentConflictError
from billing.domain.invoice import Invoice, InvoiceStatus
from billing.domain.period import Period
from billing.domain.subscription import Subscription
from tessera_common.commands.aggregates import Seen
from tessera_common.commands.unit_of_work import Publication
from tessera_common.events.topics import ACCOUNTS_EVENTS, BILLING_EVENTS, USAGE_EVENTS
from tessera_common.sharding.geo import RegionShardGroups
from tessera_common.testing.shards import InMemoryUnitOfWork, ShardState
from tessera_common.testing.tables import InMemoryTable
from tessera_common.vocabulary import Region
from usage.adapters.integration_events import integration_event as usage_event
from usage.domain.batch import Batch, UsageRecord

# The local stack's regions and shards: two in us-east, one for eu-west and apac.
REGION_GROUPS = RegionShardGroups(
    {Region.US_EAST: ["shard-0", "shard-1"], Region.EU_WEST: ["shard-2"], Region.APAC: ["shard-2"]}
)


class RegionalTenantShards:
    """Usage's tenant shards, for tenants no directory holds: their region's pick."""

    async def shards_of(self, tenants: Mapping[uuid.UUID, Region]) -> dict[uuid.UUID, str]:
        return {tenant_id: REGION_GROUPS.place(tenant_id, r) for tenant_id, r in tenants.items()}


class FakeTenants:
    def __init__(self, state: ShardState) -> None:
        self._state = state
        self._rows = InMemoryTable[uuid.UUID, Tenant](state.tables["tenants"], _version)
        self.seen: Seen[Tenant] = Seen()

    async def get(self, tenant_id: uuid.UUID) -> Tenant | None:
        tenant = self._rows.get(tenant_id)
        return None if tenant is None else self.seen.add(tenant)

    async def add(self, tenant: Tenant) -> None:
        self._rows.insert(tenant.id, tenant)
        self.seen.add(tenant)

    async def save_changes(self) -> None:
        for tenant, read_version in self.seen.changed():
            if tenant.erased:  # its personal data goes; a tombstone stays
                for table in ("users", "api_keys"):
                    rows = self._state.tables[table]
                    for key in [key for key, row in rows.items() if row.tenant_id == tenant.id]:
                        del rows[key]
            self._rows.update(tenant.id, tenant, read_version)


class FakeUsers:
    def __init__(self, state: ShardState) -> None:
        self._rows = InMemoryTable[uuid.UUID, User](state.tables["users"], _version)

    async def add(self, user: User) -> None:
        if any(u.tenant_id == user.tenant_id and u.email == user.email for u in self._rows.rows()):
            raise DuplicateEmailError(user.email)
        self._rows.insert(user.id, user)

    async def get(self, tenant_id: uuid.UUID, user_id: uuid.UUID) -> User | None:
        user = self._rows.get(user_id)
        return user if user is not None and user.tenant_id == tenant_id else None

    async def update(self, user: User, expected_version: int) -> None:
        self._rows.update(user.id, user, expected_version)

    async def remove(self, user: User, expected_version: int) -> None:
        self._rows.delete(user.id, expected_version)


class FakeApiKeys:
    def __init__(self, state: ShardState) -> None:
        self._rows = InMemoryTable[uuid.UUID, ApiKey](state.tables["api_keys"])

    async def add(self, key: ApiKey) -> None:
        self._rows.insert(key.id, key)

    async def find_by_digest(self, digest: str) -> ApiKey | None:
        return next((key for key in self._rows.rows() if key.digest == digest), None)

    async def get(self, tenant_id: uuid.UUID, key_id: uuid.UUID) -> ApiKey | None:
        key = self._rows.get(key_id)
        return key if key is not None and key.tenant_id == tenant_id else None

    async def revoke(self, key: ApiKey) -> None:
        self._rows.update(key.id, key)


class FakeAccountsUnitOfWork(InMemoryUnitOfWork):
    publishes = Publication(ACCOUNTS_EVENTS, accounts_event)
    tenants: FakeTenants
    users: FakeUsers
    api_keys: FakeApiKeys


class FakeSubscriptions:
    def __init__(self, state: ShardState) -> None:
        self._rows = InMemoryTable[uuid.UUID, Subscription](state.tables["subscriptions"], _version)
        self.seen: Seen[Subscription] = Seen()

    async def get(self, tenant_id: uuid.UUID) -> Subscription | None:
        subscription = self._rows.get(tenant_id)
        return None if subscription is None else self.seen.add(subscription)

    async def add(self, subscription: Subscription) -> None:
        self._rows.insert(subscription.tenant_id, subscription)
        self.seen.add(subscription)

    async def save_changes(self) -> None:
        for subscription, read_version in self.seen.changed():
            self._rows.update(subscription.tenant_id, subscription, read_version)


class FakeInvoices:
    def __init__(self, state: ShardState) -> None:
        self._rows = InMemoryTable[uuid.UUID, Invoice](state.tables["invoices"], _version)
        self.seen: Seen[Invoice] = Seen()

    async def get(self, tenant_id: uuid.UUID, invoice_id: uuid.UUID) -> Invoice | None:
        invoice = self._rows.get(invoice_id)
        if invoice is None or invoice.tenant_id != tenant_id:
            return None
        return self.seen.add(invoice)

    async def add(self, invoice: Invoice) -> None:
        issued = {(i.tenant_id, i.period) for i in self._rows.rows()}
        if (invoice.tenant_id, invoice.period) in issued:
            raise InvoiceAlreadyIssuedError(str(invoice.period))
        self._rows.insert(invoice.id, invoice)
        self.seen.add(invoice)

    async def open_past_due(self, now: datetime, limit: int) -> list[tuple[uuid.UUID, uuid.UUID]]:
        due = [i for i in self._rows.rows() if i.status is InvoiceStatus.OPEN and i.due_at < now]
        return [(i.tenant_id, i.id) for i in sorted(due, key=lambda i: i.due_at)[:limit]]

    async def save_changes(self) -> None:
        for invoice, read_version in self.seen.changed():
            others = {p.id for i in self._rows.rows() if i.id != invoice.id for p in i.payments}
            reused = [p.id for p in invoice.payments if p.id in others]
            if reused:  # a payment id is the payment's, across every invoice
                raise PaymentConflictError(reused[0])
            self._rows.update(invoice.id, invoice, read_version)


class FakeUsageTotals:
    def __init__(self, state: ShardState) -> None:
        self.quantities: dict[tuple[uuid.UUID, str, str], int] = state.tables["usage_totals"]

    async def api_calls(self, tenant_id: uuid.UUID, period: Period) -> int:
        return self.quantities.get((tenant_id, str(period), "api_calls"), 0)

    async def add(self, quantities: Mapping[UsageKey, int]) -> None:
        for key, quantity in quantities.items():
            self.quantities[key] = self.quantities.get(key, 0) + quantity


class FakeBillingUnitOfWork(InMemoryUnitOfWork):
    publishes = Publication(BILLING_EVENTS, billing_event)
    subscriptions: FakeSubscriptions
    invoices: FakeInvoices
    usage: FakeUsageTotals


class FakeBatches:
    """Each event id is claimed once per tenant, whatever its time, as usage_event_ids does."""

    def __init__(self, state: ShardState) -> None:
        self.records: dict[tuple[uuid.UUID, uuid.UUID], UsageRecord] = state.tables["usage"]
        self.seen: list[Batch] = []

    async def add(self, batches: Sequence[Batch]) -> dict[uuid.UUID, list[UsageRecord]]:
        stored: dict[uuid.UUID, list[UsageRecord]] = {batch.tenant_id: [] for batch in batches}
        for batch in batches:
            for record in batch.records:
                if (batch.tenant_id, record.event_id) not in self.records:
                    self.records[(batch.tenant_id, record.event_id)] = record
                    stored[batch.tenant_id].append(record)
        self.seen.extend(batches)
        return stored

    async def save_changes(self) -> None:
        return None


class FakeUsageUnitOfWork(InMemoryUnitOfWork):
    publishes = Publication(USAGE_EVENTS, usage_event)
    batches: FakeBatches


def _version(row: Tenant | User | Subscription | Invoice) -> int:
    return row.version
