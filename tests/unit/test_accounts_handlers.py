"""Every accounts command handler, on in-memory shards and directory: what it changes, what
it publishes, and what it refuses (then changing and publishing nothing)."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any, TypeVar

import pytest
from fakes import REGION_GROUPS, FakeAccountsUnitOfWork

from accounts.app.add_user import AddUser, add_user
from accounts.app.change_tenant_status import ChangeTenantStatus, Lifecycle, change_tenant_status
from accounts.app.choreography import BillingEvents
from accounts.app.create_tenant import CreateTenant, NewTenant, create_tenant
from accounts.app.issue_api_key import IssueApiKey, issue_api_key
from accounts.app.remove_user import RemoveUser, remove_user
from accounts.app.revoke_api_key import RevokeApiKey, revoke_api_key
from accounts.app.update_tenant import UpdateTenant, update_tenant
from accounts.app.update_user import UpdateUser, update_user
from accounts.app.verify_api_key import VerifyApiKey, verify_api_key
from accounts.bootstrap import commands_on
from accounts.domain.errors import (
    ApiKeyNotFoundError,
    DuplicateEmailError,
    PlacementConflictError,
    StaleVersionError,
    TenantNotActiveError,
    TenantNotFoundError,
    UserNotFoundError,
)
from accounts.domain.tenant import Tenant
from accounts.domain.user import User
from tessera_common.api_keys import digest_of
from tessera_common.commands.runner import Handler
from tessera_common.commands.unit_of_work import Origin
from tessera_common.events import billing as billing_contracts
from tessera_common.events.envelope import EventEnvelope, new_event
from tessera_common.idempotency import (
    IdempotencyGuard,
    IdempotencyKeyReusedError,
    IdempotentReplayError,
    StoredResponse,
)
from tessera_common.idempotency.cipher import ResponseCipher
from tessera_common.testing.clock import FrozenClock
from tessera_common.testing.directory import InMemoryDirectory
from tessera_common.testing.shards import InMemoryShards
from tessera_common.vocabulary import Currency, Plan, Region, TenantStatus, UserRole

R = TypeVar("R")


class Accounts:
    """The accounts handlers on in-memory shards, directory and clock."""

    def __init__(self) -> None:
        self.shards = InMemoryShards()
        self.directory = InMemoryDirectory()
        self.clock = FrozenClock()
        self.commands = commands_on(
            lambda origin: FakeAccountsUnitOfWork(self.shards, origin),
            directory=self.directory,
            placer=REGION_GROUPS,
            clock=self.clock,
        )
        self.correlation_id = uuid.uuid4()

    async def run(self, handler: Handler[R], cmd: object, origin: Origin | None = None) -> R:
        reply = await self.commands.run(handler, cmd, origin or Origin(self.correlation_id))
        return reply.result

    async def tenant(self, region: Region = Region.EU_WEST) -> NewTenant:
        cmd = CreateTenant(uuid.uuid4(), "Acme", region, Plan.FREE, Currency.EUR)
        return await self.run(create_tenant, cmd)

    async def user(self, tenant_id: uuid.UUID, email: str = "ada@example.com") -> User:
        return await self.run(add_user, AddUser(tenant_id, email, "Ada", UserRole.ADMIN))

    def published(self) -> list[str]:
        return [event.event_type for event in self.shards.published()]

    async def stored_status(self, tenant_id: uuid.UUID) -> TenantStatus:
        placement = await self.directory.find(tenant_id)
        assert placement is not None
        stored: Tenant = self.shards[placement.shard].tables["tenants"][tenant_id]
        return stored.status


@pytest.fixture
def accounts() -> Accounts:
    return Accounts()


async def test_a_new_tenant_is_placed_in_its_region_then_stored_with_its_first_key(
    accounts: Accounts,
) -> None:
    new = await accounts.tenant(Region.EU_WEST)

    placement = await accounts.directory.find(new.tenant.id)
    assert placement is not None
    assert placement.shard == "shard-2" == new.tenant.shard
    stored = accounts.shards["shard-2"].tables
    assert new.tenant.id in stored["tenants"]
    assert stored["api_keys"][new.api_key_id].digest == digest_of(new.api_key)
    events = accounts.shards.published()
    assert [e.event_type for e in events] == ["TenantCreated", "ApiKeyIssued"]
    assert {e.correlation_id for e in events} == {accounts.correlation_id}


async def test_a_tenant_id_placed_in_another_region_is_a_conflict(accounts: Accounts) -> None:
    tenant_id = uuid.uuid4()
    await accounts.run(
        create_tenant, CreateTenant(tenant_id, "A", Region.US_EAST, Plan.FREE, Currency.USD)
    )

    elsewhere = CreateTenant(tenant_id, "A", Region.APAC, Plan.FREE, Currency.USD)
    with pytest.raises(PlacementConflictError):
        await accounts.run(create_tenant, elsewhere)
    assert accounts.published() == ["TenantCreated", "ApiKeyIssued"]


async def test_a_keyed_command_records_its_response_and_a_retry_replays_it(
    accounts: Accounts,
) -> None:
    guard = IdempotencyGuard("operator", "key-1", "hash", timedelta(days=1), ResponseCipher("s"))
    cmd = CreateTenant(uuid.uuid4(), "Acme", Region.APAC, Plan.PRO, Currency.USD)
    sent = StoredResponse(201, {}, b"created")

    def respond(new: NewTenant, events: list[Any]) -> StoredResponse:
        assert len(events) == 2  # the response is rendered from the events it publishes
        return sent

    await accounts.commands.run(create_tenant, cmd, Origin(uuid.uuid4(), guard=guard), respond)
    with pytest.raises(IdempotentReplayError) as replay:
        await accounts.commands.run(create_tenant, cmd, Origin(uuid.uuid4(), guard=guard), respond)
    other = IdempotencyGuard("operator", "key-1", "other", timedelta(days=1), ResponseCipher("s"))
    with pytest.raises(IdempotencyKeyReusedError):
        await accounts.commands.run(create_tenant, cmd, Origin(uuid.uuid4(), guard=other), respond)

    assert replay.value.response == sent
    assert accounts.shards.responses() == {"key-1": sent}
    assert accounts.published() == ["TenantCreated", "ApiKeyIssued"]


async def test_update_renames_and_changes_plan_over_the_version_seen(accounts: Accounts) -> None:
    new = await accounts.tenant()

    tenant = await accounts.run(update_tenant, UpdateTenant(new.tenant.id, 1, "Acme Ltd", Plan.PRO))

    assert (tenant.name, tenant.plan, tenant.version) == ("Acme Ltd", Plan.PRO, 3)
    assert accounts.published()[-2:] == ["TenantRenamed", "TenantPlanChanged"]
    with pytest.raises(StaleVersionError):
        await accounts.run(update_tenant, UpdateTenant(new.tenant.id, 1, "Again", None))
    assert len(accounts.published()) == 4


async def test_suspend_reactivate_and_erase_each_publish_once(accounts: Accounts) -> None:
    new = await accounts.tenant()
    await accounts.user(new.tenant.id)
    tenant_id = new.tenant.id

    for action in (Lifecycle.SUSPEND, Lifecycle.SUSPEND, Lifecycle.REACTIVATE, Lifecycle.ERASE):
        await accounts.run(change_tenant_status, ChangeTenantStatus(tenant_id, action, "ops"))

    assert accounts.published()[-3:] == ["TenantSuspended", "TenantReactivated", "TenantErased"]
    assert await accounts.stored_status(tenant_id) is TenantStatus.ERASED
    assert accounts.shards["shard-2"].tables["users"] == {}
    assert accounts.shards["shard-2"].tables["api_keys"] == {}
    with pytest.raises(TenantNotFoundError):
        await accounts.run(update_tenant, UpdateTenant(tenant_id, 5, "Back", None))


async def test_a_tenant_never_placed_is_not_found(accounts: Accounts) -> None:
    with pytest.raises(TenantNotFoundError):
        await accounts.run(add_user, AddUser(uuid.uuid4(), "a@example.com", "A", UserRole.MEMBER))


async def test_users_are_added_changed_over_their_version_and_removed(accounts: Accounts) -> None:
    new = await accounts.tenant()
    user = await accounts.user(new.tenant.id)

    changed = await accounts.run(
        update_user, UpdateUser(new.tenant.id, user.id, 1, "Ada L.", UserRole.MEMBER)
    )
    with pytest.raises(StaleVersionError):
        await accounts.run(update_user, UpdateUser(new.tenant.id, user.id, 1, "X", None))
    await accounts.run(remove_user, RemoveUser(new.tenant.id, user.id, None))
    with pytest.raises(UserNotFoundError):
        await accounts.run(remove_user, RemoveUser(new.tenant.id, user.id, None))

    assert (changed.name, changed.version) == ("Ada L.", 2)
    assert accounts.published()[-3:] == ["UserAdded", "UserUpdated", "UserRemoved"]


async def test_a_refused_user_changes_and_publishes_nothing(accounts: Accounts) -> None:
    new = await accounts.tenant()
    await accounts.user(new.tenant.id, "ada@example.com")
    before = accounts.published()

    with pytest.raises(DuplicateEmailError):
        await accounts.user(new.tenant.id, "ADA@example.com")
    suspend = ChangeTenantStatus(new.tenant.id, Lifecycle.SUSPEND, "ops")
    await accounts.run(change_tenant_status, suspend)
    with pytest.raises(TenantNotActiveError):
        await accounts.user(new.tenant.id, "bob@example.com")

    assert accounts.published() == [*before, "TenantSuspended"]
    assert len(accounts.shards["shard-2"].tables["users"]) == 1


async def test_keys_are_issued_verified_and_revoked_once(accounts: Accounts) -> None:
    new = await accounts.tenant()
    issued = await accounts.run(issue_api_key, IssueApiKey(new.tenant.id))
    digest = digest_of(issued.plaintext)

    live = await accounts.run(verify_api_key, VerifyApiKey(new.tenant.id, digest))
    await accounts.run(revoke_api_key, RevokeApiKey(new.tenant.id, issued.key.id))
    again = await accounts.run(revoke_api_key, RevokeApiKey(new.tenant.id, issued.key.id))
    revoked = await accounts.run(verify_api_key, VerifyApiKey(new.tenant.id, digest))
    elsewhere = await accounts.run(verify_api_key, VerifyApiKey(uuid.uuid4(), digest))
    with pytest.raises(ApiKeyNotFoundError):
        await accounts.run(revoke_api_key, RevokeApiKey(new.tenant.id, uuid.uuid4()))

    assert live is not None
    assert (live.key.revoked_at, live.region) == (None, Region.EU_WEST)
    assert revoked is not None
    assert revoked.key.revoked_at == again.revoked_at is not None
    assert elsewhere is None
    assert accounts.published().count("ApiKeyRevoked") == 1


def invoice_event(overdue: bool, tenant_id: uuid.UUID, at: datetime) -> EventEnvelope:
    """Billing reporting an invoice of the tenant overdue, or paid."""
    invoice, eur = uuid.uuid4(), Currency.EUR
    payload = (
        billing_contracts.InvoiceOverdue(invoice_id=invoice, tenant_id=tenant_id, balance=9,
                                         currency=eur, due_at=at)
        if overdue
        else billing_contracts.InvoicePaid(invoice_id=invoice, tenant_id=tenant_id, total=9,
                                           currency=eur, paid_at=at)
    )  # fmt: skip
    return new_event(
        payload, tenant_id=tenant_id, aggregate_type="invoice", aggregate_id=invoice,
        aggregate_version=2, correlation_id=uuid.uuid4(),
    )  # fmt: skip


async def test_billing_events_suspend_and_reactivate_once_each(accounts: Accounts) -> None:
    tenant = (await accounts.tenant()).tenant
    overdue = invoice_event(True, tenant.id, accounts.clock())
    paid = invoice_event(False, tenant.id, accounts.clock())
    react = BillingEvents(accounts.commands)

    await react(overdue)
    assert await accounts.stored_status(tenant.id) is TenantStatus.SUSPENDED
    await react(paid)
    await react(overdue)  # redelivered: the inbox has it
    await react(invoice_event(False, uuid.uuid4(), accounts.clock()))  # unknown: logged

    assert accounts.published()[-2:] == ["TenantSuspended", "TenantReactivated"]
    assert await accounts.stored_status(tenant.id) is TenantStatus.ACTIVE
    reaction = accounts.shards.published()[-1]
    assert (reaction.correlation_id, reaction.causation_id) == (paid.correlation_id, paid.event_id)
