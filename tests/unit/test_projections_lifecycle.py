"""The accounts projection for the lifecycle events, and a projection for every contract."""

import uuid
from collections.abc import Callable
from datetime import UTC, datetime

import pytest

from projector.projections.accounts import UnknownEventError, project_accounts
from projector.projections.changes import (
    Change,
    EraseTenant,
    RecordUsage,
    RemoveUser,
    UpdateTenant,
    UpdateUser,
    UpsertApiKey,
)
from tessera_common.events import accounts as contracts
from tessera_common.events.contract import Contract
from tessera_common.events.envelope import EventEnvelope, new_event
from tessera_common.vocabulary import Currency, Plan, Region, TenantStatus, UserRole, UserStatus

CREATED = datetime(2026, 5, 1, 0, 0, 0, tzinfo=UTC)
OCCURRED = datetime(2026, 5, 6, 7, 8, 9, tzinfo=UTC)
ERASED = datetime(2026, 5, 6, 7, 8, 1, tzinfo=UTC)
REVOKED = datetime(2026, 5, 6, 7, 8, 2, tzinfo=UTC)
TENANT = uuid.uuid4()
USER = uuid.uuid4()
KEY = uuid.uuid4()
DIGEST = "cd" * 32


def envelope(payload: Contract, aggregate_id: uuid.UUID, version: int) -> EventEnvelope:
    return new_event(
        payload,
        tenant_id=TENANT,
        aggregate_type="x",
        aggregate_id=aggregate_id,
        aggregate_version=version,
        correlation_id=uuid.uuid4(),
        occurred_at=OCCURRED,
    )


# tenant events


@pytest.mark.parametrize(
    ("payload", "expected"),
    [
        (
            contracts.TenantRenamed(tenant_id=TENANT, name="Acme Two"),
            UpdateTenant(TENANT, 7, OCCURRED, name="Acme Two"),
        ),
        (
            contracts.TenantPlanChanged(
                tenant_id=TENANT, plan=Plan.ENTERPRISE, previous_plan=Plan.FREE
            ),
            UpdateTenant(TENANT, 7, OCCURRED, plan="enterprise"),
        ),
        (
            contracts.TenantSuspended(tenant_id=TENANT, reason="unpaid"),
            UpdateTenant(TENANT, 7, OCCURRED, status="suspended"),
        ),
        (
            contracts.TenantReactivated(tenant_id=TENANT),
            UpdateTenant(TENANT, 7, OCCURRED, status="active"),
        ),
        (  # the read models hold no shard: the version steps, nothing else changes
            contracts.TenantMoved(
                tenant_id=TENANT, source="shard-0", target="shard-3", moved_at=OCCURRED
            ),
            UpdateTenant(TENANT, 7, OCCURRED),
        ),
    ],
    ids=["renamed", "plan-changed", "suspended", "reactivated", "moved"],
)
def test_a_tenant_change_updates_only_its_field_at_the_event_version_and_time(
    payload: Contract, expected: UpdateTenant
) -> None:
    assert project_accounts(envelope(payload, TENANT, 7)) == [expected]


@pytest.mark.parametrize(
    ("payload", "status"),
    [
        (contracts.TenantSuspended(tenant_id=TENANT, reason="x"), TenantStatus.SUSPENDED),
        (contracts.TenantReactivated(tenant_id=TENANT), TenantStatus.ACTIVE),
    ],
)
def test_status_changes_use_the_shared_vocabulary(payload: Contract, status: TenantStatus) -> None:
    (change,) = project_accounts(envelope(payload, TENANT, 2))
    assert isinstance(change, UpdateTenant)
    assert change.status == status.value


def test_tenant_erased_erases_the_tenant_when_it_was_erased() -> None:
    payload = contracts.TenantErased(tenant_id=TENANT, erased_at=ERASED)
    assert project_accounts(envelope(payload, TENANT, 9)) == [EraseTenant(TENANT, 9, ERASED)]


# user events


def test_user_updated_updates_name_and_role_at_the_event_version() -> None:
    payload = contracts.UserUpdated(
        user_id=USER, tenant_id=TENANT, name="Ada Lovelace", role=UserRole.ADMIN
    )
    assert project_accounts(envelope(payload, USER, 3)) == [
        UpdateUser(USER, TENANT, 3, "Ada Lovelace", "admin")
    ]


def test_user_removed_removes_the_user_at_the_event_version() -> None:
    payload = contracts.UserRemoved(user_id=USER, tenant_id=TENANT)
    assert project_accounts(envelope(payload, USER, 5)) == [RemoveUser(USER, TENANT, 5)]


# api key events


@pytest.mark.parametrize("version", [2, 4])
def test_api_key_revoked_upserts_a_revoked_key_at_the_event_version(version: int) -> None:
    payload = contracts.ApiKeyRevoked(
        key_id=KEY, tenant_id=TENANT, key_digest=DIGEST, revoked_at=REVOKED
    )
    (change,) = project_accounts(envelope(payload, KEY, version))
    assert isinstance(change, UpsertApiKey)
    assert (change.key_id, change.tenant_id, change.digest, change.revoked, change.version) == (
        KEY,
        TENANT,
        DIGEST,
        True,
        version,
    )


# every contract has a projection

PAYLOADS: dict[str, Callable[[], Contract]] = {
    "TenantCreated": lambda: contracts.TenantCreated(
        tenant_id=TENANT,
        name="Acme",
        region=Region.US_EAST,
        plan=Plan.PRO,
        currency=Currency.USD,
        status=TenantStatus.ACTIVE,
        shard="shard-1",
        created_at=CREATED,
    ),
    "TenantRenamed": lambda: contracts.TenantRenamed(tenant_id=TENANT, name="Acme Two"),
    "TenantPlanChanged": lambda: contracts.TenantPlanChanged(
        tenant_id=TENANT, plan=Plan.FREE, previous_plan=Plan.PRO
    ),
    "TenantSuspended": lambda: contracts.TenantSuspended(tenant_id=TENANT, reason="unpaid"),
    "TenantReactivated": lambda: contracts.TenantReactivated(tenant_id=TENANT),
    "TenantErased": lambda: contracts.TenantErased(tenant_id=TENANT, erased_at=ERASED),
    "TenantMoved": lambda: contracts.TenantMoved(
        tenant_id=TENANT, source="shard-0", target="shard-3", moved_at=OCCURRED
    ),
    "UserAdded": lambda: contracts.UserAdded(
        user_id=USER,
        tenant_id=TENANT,
        email="ada@example.com",
        name="Ada",
        role=UserRole.MEMBER,
        status=UserStatus.ACTIVE,
        created_at=CREATED,
    ),
    "UserUpdated": lambda: contracts.UserUpdated(
        user_id=USER, tenant_id=TENANT, name="Ada", role=UserRole.OWNER
    ),
    "UserRemoved": lambda: contracts.UserRemoved(user_id=USER, tenant_id=TENANT),
    "ApiKeyIssued": lambda: contracts.ApiKeyIssued(
        key_id=KEY, tenant_id=TENANT, key_digest=DIGEST, prefix="tsk_0123", issued_at=CREATED
    ),
    "ApiKeyRevoked": lambda: contracts.ApiKeyRevoked(
        key_id=KEY, tenant_id=TENANT, key_digest=DIGEST, revoked_at=REVOKED
    ),
}


def test_the_payload_factory_knows_exactly_the_published_contracts() -> None:
    assert sorted(PAYLOADS) == sorted(contracts.ACCOUNTS_CONTRACTS)


@pytest.mark.parametrize("event_type", sorted(contracts.ACCOUNTS_CONTRACTS))
def test_every_accounts_contract_has_a_projection(event_type: str) -> None:
    factory = PAYLOADS.get(event_type)
    if factory is None:
        pytest.fail(f"no payload factory for {event_type}: add one, and its projection")
    payload = factory()
    assert type(payload) is contracts.ACCOUNTS_CONTRACTS[event_type]
    event = envelope(payload, uuid.uuid4(), 6)
    assert event.event_type == event_type
    try:
        changes: list[Change] = project_accounts(event)
    except UnknownEventError:
        pytest.fail(f"{event_type} is published but project_accounts does not know it")
    assert len(changes) >= 1
    assert all(change.tenant_id == TENANT for change in changes)
    assert all(not isinstance(c, RecordUsage) and c.version == 6 for c in changes)
