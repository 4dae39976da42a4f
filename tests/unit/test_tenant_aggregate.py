"""The tenant aggregate's lifecycle: versions, profile changes, suspension, erasure, revocation."""

import uuid
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime

import pytest

from accounts.domain.api_key import ApiKey
from accounts.domain.errors import (
    InvalidFieldError,
    StaleVersionError,
    TenantNotActiveError,
    TenantNotFoundError,
)
from accounts.domain.events import (
    ApiKeyRevoked,
    TenantErased,
    TenantPlanChanged,
    TenantReactivated,
    TenantRenamed,
    TenantSuspended,
    UserRemoved,
    UserUpdated,
)
from accounts.domain.tenant import Tenant
from accounts.domain.user import User
from tessera_common.vocabulary import Currency, Plan, Region, TenantStatus, UserRole

NOW = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
LATER = datetime(2026, 1, 3, 4, 5, 6, tzinfo=UTC)


def new_tenant(name: str = "Acme") -> Tenant:
    """An active tenant at version one on the PRO plan, with its creation event cleared."""
    tenant = Tenant.create(
        tenant_id=uuid.uuid4(),
        name=name,
        region=Region.EU_WEST,
        plan=Plan.PRO,
        currency=Currency.EUR,
        shard="shard-1",
        now=NOW,
    )
    tenant.events.clear()
    return tenant


def new_user(tenant: Tenant) -> User:
    """A member called Ada at version one; the tenant's events are cleared afterwards."""
    user = tenant.add_user(
        user_id=uuid.uuid4(), email="ada@example.com", name="Ada", role=UserRole.MEMBER, now=NOW
    )
    tenant.events.clear()
    return user


def new_key(tenant: Tenant) -> ApiKey:
    key, _ = tenant.issue_api_key(NOW)
    tenant.events.clear()
    return key


# require_version


def test_the_current_version_is_accepted() -> None:
    tenant = new_tenant()
    tenant.suspend("unpaid", LATER)
    tenant.require_version(2)
    assert tenant.version == 2


@pytest.mark.parametrize("expected", [0, 2, 7])
def test_a_stale_version_is_refused_naming_both_versions(expected: int) -> None:
    tenant = new_tenant()
    with pytest.raises(StaleVersionError) as raised:
        tenant.require_version(expected)
    assert (raised.value.expected, raised.value.actual) == (expected, 1)


def test_a_version_seen_before_a_change_is_stale_after_it() -> None:
    tenant = new_tenant()
    tenant.update_profile(name="Acme Two", plan=None, now=LATER)
    with pytest.raises(StaleVersionError) as raised:
        tenant.require_version(1)
    assert (raised.value.expected, raised.value.actual) == (1, 2)


# update_profile


def test_renaming_bumps_the_version_once_and_records_the_new_name() -> None:
    tenant = new_tenant()
    tenant.update_profile(name="  Acme   Two ", plan=None, now=LATER)
    assert (tenant.name, tenant.plan, tenant.version, tenant.updated_at) == (
        "Acme Two",
        Plan.PRO,
        2,
        LATER,
    )
    assert tenant.events == [TenantRenamed(tenant.id, 2, "Acme Two")]


def test_changing_plan_bumps_the_version_once_and_records_both_plans() -> None:
    tenant = new_tenant()
    tenant.update_profile(name=None, plan=Plan.ENTERPRISE, now=LATER)
    assert (tenant.name, tenant.plan, tenant.version, tenant.updated_at) == (
        "Acme",
        Plan.ENTERPRISE,
        2,
        LATER,
    )
    assert tenant.events == [TenantPlanChanged(tenant.id, 2, Plan.ENTERPRISE, Plan.PRO)]


def test_renaming_and_changing_plan_together_are_two_events_and_two_versions() -> None:
    tenant = new_tenant()
    tenant.update_profile(name="Acme Two", plan=Plan.FREE, now=LATER)
    assert tenant.version == 3
    assert tenant.events == [
        TenantRenamed(tenant.id, 2, "Acme Two"),
        TenantPlanChanged(tenant.id, 3, Plan.FREE, Plan.PRO),
    ]


@pytest.mark.parametrize(
    ("name", "plan"),
    [
        (None, None),
        ("Acme", None),
        ("  Acme\t", None),
        (None, Plan.PRO),
        (" Acme ", Plan.PRO),
    ],
)
def test_a_profile_update_that_changes_nothing_records_nothing(
    name: str | None, plan: Plan | None
) -> None:
    tenant = new_tenant()
    tenant.update_profile(name=name, plan=plan, now=LATER)
    assert (tenant.name, tenant.plan, tenant.version, tenant.updated_at) == (
        "Acme",
        Plan.PRO,
        1,
        NOW,
    )
    assert tenant.events == []


def test_a_whitespace_only_difference_in_a_multi_word_name_is_no_change() -> None:
    tenant = new_tenant("Acme Corp")
    tenant.update_profile(name="  Acme \n  Corp  ", plan=None, now=LATER)
    assert (tenant.version, tenant.events) == (1, [])


@pytest.mark.parametrize(
    ("name", "message"),
    [("", "blank"), (" \t ", "blank"), ("x" * 201, "at most 200"), ("a\x07b", "control")],
)
def test_an_invalid_new_name_is_refused_and_nothing_changes(name: str, message: str) -> None:
    tenant = new_tenant()
    with pytest.raises(InvalidFieldError, match=message) as raised:
        tenant.update_profile(name=name, plan=Plan.ENTERPRISE, now=LATER)
    assert raised.value.field == "name"
    assert (tenant.name, tenant.plan, tenant.version, tenant.events) == (
        "Acme",
        Plan.PRO,
        1,
        [],
    )


@pytest.mark.parametrize(
    ("name", "plan"), [("Acme Two", None), (None, Plan.FREE), ("Acme", Plan.PRO)]
)
def test_a_suspended_tenant_refuses_profile_updates(name: str | None, plan: Plan | None) -> None:
    tenant = new_tenant()
    tenant.suspend("unpaid", NOW)
    tenant.events.clear()
    with pytest.raises(TenantNotActiveError):
        tenant.update_profile(name=name, plan=plan, now=LATER)
    assert (tenant.name, tenant.plan, tenant.version, tenant.events) == (
        "Acme",
        Plan.PRO,
        2,
        [],
    )


# suspend / reactivate


def test_suspending_bumps_the_version_and_records_the_reason() -> None:
    tenant = new_tenant()
    tenant.suspend("payment overdue", LATER)
    assert (tenant.status, tenant.version, tenant.updated_at) == (
        TenantStatus.SUSPENDED,
        2,
        LATER,
    )
    assert tenant.events == [TenantSuspended(tenant.id, 2, "payment overdue")]


def test_suspending_a_suspended_tenant_records_nothing() -> None:
    tenant = new_tenant()
    tenant.suspend("first", NOW)
    tenant.events.clear()
    tenant.suspend("second", LATER)
    assert (tenant.status, tenant.version, tenant.updated_at) == (
        TenantStatus.SUSPENDED,
        2,
        NOW,
    )
    assert tenant.events == []


def test_reactivating_a_suspended_tenant_bumps_the_version_and_records_it() -> None:
    tenant = new_tenant()
    tenant.suspend("unpaid", NOW)
    tenant.events.clear()
    tenant.reactivate(LATER)
    assert (tenant.status, tenant.version, tenant.updated_at) == (TenantStatus.ACTIVE, 3, LATER)
    assert tenant.events == [TenantReactivated(tenant.id, 3)]


def test_reactivating_twice_records_only_once() -> None:
    tenant = new_tenant()
    tenant.suspend("unpaid", NOW)
    tenant.reactivate(LATER)
    tenant.reactivate(LATER)
    assert tenant.version == 3
    assert tenant.events == [
        TenantSuspended(tenant.id, 2, "unpaid"),
        TenantReactivated(tenant.id, 3),
    ]


def test_reactivating_an_active_tenant_records_nothing() -> None:
    tenant = new_tenant()
    tenant.reactivate(LATER)
    assert (tenant.status, tenant.version, tenant.updated_at, tenant.events) == (
        TenantStatus.ACTIVE,
        1,
        NOW,
        [],
    )


# erase


@pytest.mark.parametrize("suspended_first", [False, True])
def test_erasing_leaves_a_nameless_tombstone_and_records_it(suspended_first: bool) -> None:
    tenant = new_tenant()
    if suspended_first:
        tenant.suspend("unpaid", NOW)
        tenant.events.clear()
    before = tenant.version
    tenant.erase(LATER)
    assert tenant.erased
    assert (tenant.status, tenant.name, tenant.version, tenant.updated_at) == (
        TenantStatus.ERASED,
        "",
        before + 1,
        LATER,
    )
    assert tenant.events == [TenantErased(tenant.id, before + 1, LATER)]


def test_a_tenant_that_is_not_erased_says_so() -> None:
    tenant = new_tenant()
    tenant.suspend("unpaid", NOW)
    assert not tenant.erased


Command = Callable[[Tenant, User, ApiKey], object]

LATER_COMMANDS: dict[str, Command] = {
    "suspend": lambda t, u, k: t.suspend("again", LATER),
    "reactivate": lambda t, u, k: t.reactivate(LATER),
    "erase": lambda t, u, k: t.erase(LATER),
    "update_profile": lambda t, u, k: t.update_profile(name="New", plan=Plan.FREE, now=LATER),
    "add_user": lambda t, u, k: t.add_user(
        user_id=uuid.uuid4(), email="bo@example.com", name="Bo", role=UserRole.ADMIN, now=LATER
    ),
    "issue_api_key": lambda t, u, k: t.issue_api_key(LATER),
    "revoke_api_key": lambda t, u, k: t.revoke_api_key(k, LATER),
    "update_user": lambda t, u, k: t.update_user(u, name="Eve", role=None, now=LATER),
    "remove_user": lambda t, u, k: t.remove_user(u, LATER),
}


@pytest.mark.parametrize("command", LATER_COMMANDS.values(), ids=LATER_COMMANDS.keys())
def test_an_erased_tenant_is_gone_for_every_later_command(command: Command) -> None:
    tenant = new_tenant()
    user, key = new_user(tenant), new_key(tenant)
    tenant.erase(LATER)
    tenant.events.clear()
    with pytest.raises(TenantNotFoundError, match=str(tenant.id)):
        command(tenant, user, key)
    assert (tenant.status, tenant.name, tenant.version, tenant.events) == (
        TenantStatus.ERASED,
        "",
        2,
        [],
    )
    assert (user.name, user.version, key.revoked_at) == ("Ada", 1, None)


# update_user / remove_user


@pytest.mark.parametrize(
    ("name", "role", "expected_name", "expected_role"),
    [
        (" Ada   Lovelace ", None, "Ada Lovelace", UserRole.MEMBER),
        (None, UserRole.ADMIN, "Ada", UserRole.ADMIN),
        ("Ada L", UserRole.OWNER, "Ada L", UserRole.OWNER),
        ("Ada", UserRole.ADMIN, "Ada", UserRole.ADMIN),
    ],
)
def test_updating_a_user_bumps_its_version_and_records_the_result(
    name: str | None, role: UserRole | None, expected_name: str, expected_role: UserRole
) -> None:
    tenant = new_tenant()
    user = new_user(tenant)
    tenant.update_user(user, name=name, role=role, now=LATER)
    assert (user.name, user.role, user.version, user.updated_at) == (
        expected_name,
        expected_role,
        2,
        LATER,
    )
    assert tenant.events == [UserUpdated(tenant.id, user.id, 2, expected_name, expected_role)]
    assert tenant.version == 1


def test_each_user_update_is_one_more_user_version() -> None:
    tenant = new_tenant()
    user = new_user(tenant)
    tenant.update_user(user, name="Ada L", role=None, now=LATER)
    tenant.update_user(user, name=None, role=UserRole.ADMIN, now=LATER)
    assert [e.version for e in tenant.events if isinstance(e, UserUpdated)] == [2, 3]
    assert user.version == 3


@pytest.mark.parametrize(
    ("name", "role"),
    [
        (None, None),
        ("Ada", None),
        ("  Ada ", None),
        (None, UserRole.MEMBER),
        ("Ada", UserRole.MEMBER),
    ],
)
def test_a_user_update_that_changes_nothing_records_nothing(
    name: str | None, role: UserRole | None
) -> None:
    tenant = new_tenant()
    user = new_user(tenant)
    tenant.update_user(user, name=name, role=role, now=LATER)
    assert (user.name, user.role, user.version, user.updated_at) == (
        "Ada",
        UserRole.MEMBER,
        1,
        NOW,
    )
    assert tenant.events == []


def test_an_invalid_user_name_is_refused_and_nothing_changes() -> None:
    tenant = new_tenant()
    user = new_user(tenant)
    with pytest.raises(InvalidFieldError) as raised:
        tenant.update_user(user, name="   ", role=UserRole.ADMIN, now=LATER)
    assert raised.value.field == "name"
    assert (user.name, user.role, user.version, tenant.events) == ("Ada", UserRole.MEMBER, 1, [])


def test_removing_a_user_bumps_its_version_and_records_it() -> None:
    tenant = new_tenant()
    user = new_user(tenant)
    tenant.remove_user(user, LATER)
    assert (user.version, user.updated_at) == (2, LATER)
    assert tenant.events == [UserRemoved(tenant.id, user.id, 2)]
    assert tenant.version == 1


@pytest.mark.parametrize(
    "command",
    [
        lambda t, u: t.update_user(u, name="Eve", role=None, now=LATER),
        lambda t, u: t.remove_user(u, LATER),
    ],
    ids=["update_user", "remove_user"],
)
def test_a_suspended_tenant_refuses_user_changes(command: Callable[[Tenant, User], None]) -> None:
    tenant = new_tenant()
    user = new_user(tenant)
    tenant.suspend("unpaid", NOW)
    tenant.events.clear()
    with pytest.raises(TenantNotActiveError):
        command(tenant, user)
    assert (user.name, user.version, tenant.events) == ("Ada", 1, [])


# revoke_api_key


def test_revoking_a_key_returns_a_revoked_copy_and_records_the_digest() -> None:
    tenant = new_tenant()
    key = new_key(tenant)
    revoked = tenant.revoke_api_key(key, LATER)
    assert revoked.revoked_at == LATER
    assert replace(revoked, revoked_at=None) == key
    assert key.revoked_at is None
    assert tenant.events == [ApiKeyRevoked(tenant.id, key.id, 2, key.digest, LATER)]


def test_revoking_a_revoked_key_returns_it_unchanged_and_records_nothing() -> None:
    tenant = new_tenant()
    revoked = tenant.revoke_api_key(new_key(tenant), NOW)
    tenant.events.clear()
    again = tenant.revoke_api_key(revoked, LATER)
    assert again is revoked
    assert again.revoked_at == NOW
    assert tenant.events == []
