"""The internal token and the consistency token."""

import uuid
from datetime import UTC, datetime

import pytest

from accounts.domain.tenant import Tenant  # noqa: F401 - the domain imports cleanly
from tessera_common.auth.internal_token import (
    OPERATOR,
    Caller,
    InvalidInternalTokenError,
    sign_internal_token,
    verify_internal_token,
)
from tessera_common.consistency_tokens import consistency_token, parse_consistency_token
from tessera_common.events import accounts as contracts
from tessera_common.events.envelope import new_event

SECRET = "s" * 40


def test_an_internal_token_round_trips_a_tenant_caller() -> None:
    caller = Caller(subject="key:1", operator=False, tenant_id=uuid.uuid4())
    assert verify_internal_token(sign_internal_token(caller, SECRET, 60), SECRET) == caller


def test_the_operator_may_access_any_tenant_and_a_tenant_only_itself() -> None:
    mine, theirs = uuid.uuid4(), uuid.uuid4()
    caller = Caller(subject="key:1", operator=False, tenant_id=mine)
    assert caller.may_access(mine)
    assert not caller.may_access(theirs)
    assert OPERATOR.may_access(theirs)


@pytest.mark.parametrize(
    "token",
    [
        None,
        "",
        "garbage",
        sign_internal_token(OPERATOR, "another-secret-of-forty-characters-long!", 60),
        sign_internal_token(OPERATOR, SECRET, -120),
    ],
)
def test_a_missing_forged_or_expired_internal_token_is_refused(token: str | None) -> None:
    with pytest.raises(InvalidInternalTokenError):
        verify_internal_token(token, SECRET)


def test_a_consistency_token_carries_the_latest_version_of_each_aggregate() -> None:
    tenant, key = uuid.uuid4(), uuid.uuid4()
    payload = contracts.ApiKeyIssued(
        key_id=key,
        tenant_id=tenant,
        key_digest="0" * 64,
        prefix="p",
        issued_at=datetime(2026, 1, 1, tzinfo=UTC),
    )
    events = [
        new_event(
            payload,
            tenant_id=tenant,
            aggregate_type="t",
            aggregate_id=aggregate,
            aggregate_version=version,
            correlation_id=uuid.uuid4(),
        )
        for aggregate, version in [(tenant, 1), (key, 1), (tenant, 2)]
    ]
    assert parse_consistency_token(consistency_token(events)) == {tenant: 2, key: 1}


# "ct1.W1sxLDJdXQ" is [[1, 2]]: pairs whose aggregate is no UUID string.
@pytest.mark.parametrize("token", ["", "ct1.", "ct1.!!!", "v0.abc", "ct1.W1sxLDJdXQ"])
def test_a_foreign_consistency_token_is_refused(token: str) -> None:
    with pytest.raises(ValueError, match="token"):
        parse_consistency_token(token)
