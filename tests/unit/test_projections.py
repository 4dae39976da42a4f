"""Projections are pure: event in, read-model changes out."""

import uuid
from datetime import UTC, datetime

import pytest

from projector.projections.accounts import UnknownEventError, project_accounts
from projector.projections.changes import UpsertApiKey, UpsertTenant, UpsertUser
from projector.projector import triage
from tessera_common.events import accounts as contracts
from tessera_common.events.contract import Contract
from tessera_common.events.envelope import EventEnvelope, new_event
from tessera_common.events.topics import ACCOUNTS_EVENTS
from tessera_common.vocabulary import Currency, Plan, Region, TenantStatus, UserRole, UserStatus

NOW = datetime(2026, 5, 6, 7, 8, 9, tzinfo=UTC)
TENANT = uuid.uuid4()


def envelope(payload: Contract, aggregate_id: uuid.UUID, version: int = 1) -> EventEnvelope:
    return new_event(
        payload,
        tenant_id=TENANT,
        aggregate_type="x",
        aggregate_id=aggregate_id,
        aggregate_version=version,
        correlation_id=uuid.uuid4(),
        occurred_at=NOW,
    )


def tenant_created(version: int = 1) -> EventEnvelope:
    payload = contracts.TenantCreated(
        tenant_id=TENANT,
        name="Acme",
        region=Region.APAC,
        plan=Plan.FREE,
        currency=Currency.GBP,
        status=TenantStatus.ACTIVE,
        shard="shard-2",
        created_at=NOW,
    )
    return envelope(payload, TENANT, version)


def test_tenant_created_upserts_the_tenant_at_the_event_version() -> None:
    (change,) = project_accounts(tenant_created(version=3))
    assert change == UpsertTenant(
        tenant_id=TENANT,
        version=3,
        name="Acme",
        region="apac",
        plan="free",
        currency="GBP",
        status="active",
        created_at=NOW,
        updated_at=NOW,
    )


def test_user_added_upserts_the_user() -> None:
    user_id = uuid.uuid4()
    payload = contracts.UserAdded(
        user_id=user_id,
        tenant_id=TENANT,
        email="a@b.io",
        name="A",
        role=UserRole.OWNER,
        status=UserStatus.ACTIVE,
        created_at=NOW,
    )
    (change,) = project_accounts(envelope(payload, user_id))
    assert isinstance(change, UpsertUser)
    assert (change.user_id, change.tenant_id, change.role, change.version) == (
        user_id,
        TENANT,
        "owner",
        1,
    )


def test_api_key_issued_records_the_digest_not_revoked() -> None:
    key_id = uuid.uuid4()
    payload = contracts.ApiKeyIssued(
        key_id=key_id, tenant_id=TENANT, key_digest="ab" * 32, prefix="tsk_0123", issued_at=NOW
    )
    (change,) = project_accounts(envelope(payload, key_id))
    assert change == UpsertApiKey(
        key_id=key_id,
        tenant_id=TENANT,
        version=1,
        digest="ab" * 32,
        prefix="tsk_0123",
        issued_at=NOW,
        revoked=False,
    )


def test_projecting_is_deterministic() -> None:
    event = tenant_created()
    assert project_accounts(event) == project_accounts(event)


def test_an_unknown_event_type_is_refused() -> None:
    event = tenant_created().model_copy(update={"event_type": "TenantTeleported"})
    with pytest.raises(UnknownEventError):
        project_accounts(event)


def test_triage_keeps_order_and_sets_poison_aside() -> None:
    good, later = tenant_created(1), tenant_created(2)
    unknown = tenant_created().model_copy(update={"event_type": "Nope"})
    raw = [good.to_json(), b"{not json", unknown.to_json(), later.to_json()]
    projected, rejected = triage(ACCOUNTS_EVENTS, raw)
    assert [p.event.aggregate_version for p in projected] == [1, 2]
    assert [r.raw for r in rejected] == [b"{not json", unknown.to_json()]
    assert all(r.error for r in rejected)
