"""The tenant aggregate and its rules, with no I/O."""

import uuid
from datetime import UTC, datetime

import pytest

from accounts.domain.api_key import generate_api_key
from accounts.domain.errors import InvalidFieldError, TenantNotActiveError
from accounts.domain.events import ApiKeyIssued, TenantCreated, TenantMoved, UserAdded
from accounts.domain.tenant import Tenant
from tessera_common.api_keys import digest_of, tenant_of_key
from tessera_common.vocabulary import Currency, Plan, Region, TenantStatus, UserRole

NOW = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)


def new_tenant(name: str = "Acme") -> Tenant:
    return Tenant.create(
        tenant_id=uuid.uuid4(),
        name=name,
        region=Region.EU_WEST,
        plan=Plan.PRO,
        currency=Currency.EUR,
        shard="shard-2",
        now=NOW,
    )


def test_a_new_tenant_is_active_at_version_one_and_records_its_creation() -> None:
    tenant = new_tenant("  Acme   Corp ")
    assert tenant.name == "Acme Corp"
    assert tenant.status is TenantStatus.ACTIVE
    assert tenant.version == 1
    (event,) = tenant.events
    assert isinstance(event, TenantCreated)
    assert (event.tenant_id, event.shard, event.version) == (tenant.id, "shard-2", 1)


@pytest.mark.parametrize(
    ("name", "message"),
    [("   ", "blank"), ("x" * 201, "at most 200"), ("a\x00b", "control characters")],
)
def test_a_tenant_name_is_bounded(name: str, message: str) -> None:
    with pytest.raises(InvalidFieldError, match=message) as raised:
        new_tenant(name)
    assert raised.value.field == "name"


def test_adding_a_user_normalises_the_email_and_records_the_fact() -> None:
    tenant = new_tenant()
    tenant.events.clear()
    user = tenant.add_user(
        user_id=uuid.uuid4(), email=" Ada@Example.COM ", name="Ada", role=UserRole.ADMIN, now=NOW
    )
    assert user.email == "ada@example.com"
    (event,) = tenant.events
    assert isinstance(event, UserAdded)
    assert (event.user_id, event.email, event.role) == (user.id, user.email, UserRole.ADMIN)


@pytest.mark.parametrize("email", ["no-at-sign", "a@b", "a b@c.io", "@c.io", "a@-c.io"])
def test_an_invalid_email_is_refused(email: str) -> None:
    with pytest.raises(InvalidFieldError) as raised:
        new_tenant().add_user(
            user_id=uuid.uuid4(), email=email, name="X", role=UserRole.MEMBER, now=NOW
        )
    assert raised.value.field == "email"


def test_a_suspended_tenant_takes_no_new_user() -> None:
    tenant = new_tenant()
    tenant.status = TenantStatus.SUSPENDED
    with pytest.raises(TenantNotActiveError):
        tenant.add_user(
            user_id=uuid.uuid4(), email="a@b.io", name="A", role=UserRole.MEMBER, now=NOW
        )


def test_an_issued_key_names_its_tenant_and_is_stored_only_as_a_digest() -> None:
    tenant = new_tenant()
    key, plaintext = tenant.issue_api_key(NOW)
    assert tenant_of_key(plaintext) == tenant.id
    assert key.digest == digest_of(plaintext)
    assert plaintext not in repr(key)
    issued = tenant.events[-1]
    assert isinstance(issued, ApiKeyIssued)
    assert issued.key_digest == key.digest


def test_two_keys_differ() -> None:
    tenant_id = uuid.uuid4()
    (_, one), (_, two) = generate_api_key(tenant_id, NOW), generate_api_key(tenant_id, NOW)
    assert one != two


@pytest.mark.parametrize(
    "key",
    [
        "",
        "tsk_",
        "tsk_nothex_secret",
        "abc_" + "0" * 32 + "_" + "s" * 43,
        "tsk_" + "0" * 32 + "_short",
    ],
)
def test_malformed_keys_name_no_tenant(key: str) -> None:
    assert tenant_of_key(key) is None


def test_a_moved_tenant_names_its_new_shard_once_whatever_the_retries() -> None:
    tenant = new_tenant()
    tenant.events.clear()
    tenant.moved_to("shard-5", NOW)
    tenant.moved_to("shard-5", NOW)  # a mover resumed after this step
    assert (tenant.shard, tenant.version) == ("shard-5", 2)
    (event,) = tenant.events
    assert isinstance(event, TenantMoved)
    assert (event.source, event.target, event.version) == ("shard-2", "shard-5", 2)
