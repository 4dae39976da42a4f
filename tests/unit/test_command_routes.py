"""The command services as they answer HTTP, on the in-memory twins: the real routes, the
kit's app, runner and unit of work, with the shards and the directory in memory. What a
client sees (statuses, problems, replays, headers) without a database."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fakes import (
    REGION_GROUPS,
    FakeAccountsUnitOfWork,
    FakeBillingUnitOfWork,
    FakeUsageUnitOfWork,
    RegionalTenantShards,
)
from fastapi.testclient import TestClient

import accounts.bootstrap
import billing.bootstrap
import usage.bootstrap
from accounts.entrypoints import api_keys, tenants, users
from accounts.entrypoints.errors import to_problem as accounts_problems
from accounts.settings import AccountsSettings
from billing.app.start_subscription import StartSubscription, start_subscription
from billing.entrypoints import invoices, subscriptions
from billing.entrypoints.errors import to_problem as billing_problems
from billing.settings import BillingSettings
from tessera_common.auth.internal_token import HEADER, OPERATOR, Caller, sign_internal_token
from tessera_common.commands.runner import CommandRunner
from tessera_common.commands.unit_of_work import Origin
from tessera_common.db.errors import ShardBusyError, ShardUnavailableError
from tessera_common.db.placements import Placement
from tessera_common.http.commands import create_command_app
from tessera_common.settings import AuthSettings
from tessera_common.testing.directory import InMemoryDirectory
from tessera_common.testing.shards import InMemoryShards
from tessera_common.vocabulary import Currency
from usage.entrypoints import api, metered
from usage.settings import UsageSettings

SECRET = AuthSettings().internal_token_secret.get_secret_value()


def as_caller(caller: Caller = OPERATOR) -> dict[str, str]:
    return {HEADER: sign_internal_token(caller, SECRET, 60)}


class UnreachableDirectory(InMemoryDirectory):
    async def find(self, tenant_id: uuid.UUID) -> Placement | None:
        raise ShardUnavailableError("directory")


class BusyDirectory(InMemoryDirectory):
    async def find(self, tenant_id: uuid.UUID) -> Placement | None:
        raise ShardBusyError("directory")


class Quiet:
    """Nothing runs behind the twins: no relays, no consumers, no scans."""

    def start(self) -> None:
        return None


class AccountsTwin(Quiet, accounts.bootstrap.Accounts):
    """The accounts service with its shards and its directory in memory."""

    def __init__(self, directory: InMemoryDirectory | None = None) -> None:
        self.memory_directory = directory or InMemoryDirectory()
        super().__init__(AccountsSettings())

    def command_runner(self) -> CommandRunner:
        self.shards = InMemoryShards()
        return accounts.bootstrap.commands_on(
            lambda origin: FakeAccountsUnitOfWork(self.shards, origin),
            directory=self.memory_directory, placer=REGION_GROUPS, clock=self.clock,
        )  # fmt: skip


class BillingTwin(Quiet, billing.bootstrap.Billing):
    def command_runner(self) -> CommandRunner:
        self.shards = InMemoryShards()
        return billing.bootstrap.commands_on(
            lambda origin: FakeBillingUnitOfWork(self.shards, origin), shard_of=self.shard_of,
            price_book=self.price_book, payment_terms_days=14, clock=self.clock,
        )  # fmt: skip


class UsageTwin(Quiet, usage.bootstrap.Usage):
    def command_runner(self) -> CommandRunner:
        self.shards = InMemoryShards()
        return usage.bootstrap.commands_on(
            lambda origin: FakeUsageUnitOfWork(self.shards, origin),
            tenant_shards=RegionalTenantShards(),
            retention_months=13, clock=self.clock,
        )  # fmt: skip


@pytest.fixture
def accounts_api() -> Iterator[TestClient]:
    routers = [tenants.router, users.router, api_keys.router]
    with TestClient(create_command_app(AccountsTwin(), routers, accounts_problems)) as http:
        yield http


def new_tenant(api: TestClient, **headers: str) -> Any:
    body = {"name": "Acme", "region": "eu-west", "currency": "EUR"}
    return api.post("/v1/tenants", json=body, headers={**as_caller(), **headers})


def problem(response: Any) -> tuple[int, str]:
    assert response.headers["content-type"] == "application/problem+json"
    return response.status_code, response.json()["type"].rsplit("/", 1)[-1]


def test_a_keyed_create_replays_its_first_answer_and_refuses_another_body(
    accounts_api: TestClient,
) -> None:
    first = new_tenant(accounts_api, **{"Idempotency-Key": "create-1"})
    again = new_tenant(accounts_api, **{"Idempotency-Key": "create-1"})
    other = accounts_api.post(
        "/v1/tenants", json={"name": "Other", "region": "apac"},
        headers={**as_caller(), "Idempotency-Key": "create-1"},
    )  # fmt: skip

    assert first.status_code == 201
    assert first.headers["location"] == f"/v1/tenants/{first.json()['tenant_id']}"
    assert first.headers["etag"] == '"1"'
    assert first.headers["x-consistency-token"].startswith("ct1.")
    assert (again.status_code, again.json()) == (201, first.json())
    assert again.headers["idempotent-replayed"] == "true"
    assert problem(other) == (422, "idempotency-key-reused")


def test_updates_need_the_current_version_and_a_known_tenant(accounts_api: TestClient) -> None:
    tenant_id = new_tenant(accounts_api).json()["tenant_id"]
    path = f"/v1/tenants/{tenant_id}"

    missing = accounts_api.patch(path, json={"name": "B"}, headers=as_caller())
    stale = accounts_api.patch(path, json={"name": "B"}, headers={**as_caller(), "If-Match": '"7"'})
    renamed = accounts_api.patch(
        path, json={"name": "B"}, headers={**as_caller(), "If-Match": '"1"'}
    )
    unknown = accounts_api.patch(
        f"/v1/tenants/{uuid.uuid4()}", json={"name": "B"}, headers={**as_caller(), "If-Match": "1"}
    )

    assert problem(missing) == (428, "precondition-required")
    assert problem(stale) == (412, "stale-version")
    assert stale.headers["etag"] == '"1"'
    assert (renamed.status_code, renamed.json()["name"], renamed.headers["etag"]) == (
        200,
        "B",
        '"2"',
    )
    assert problem(unknown) == (404, "not-found")


def test_a_users_email_is_once_per_tenant(accounts_api: TestClient) -> None:
    tenant_id = new_tenant(accounts_api).json()["tenant_id"]
    user = {"email": "ada@example.com", "name": "Ada"}
    path = f"/v1/tenants/{tenant_id}/users"

    added = accounts_api.post(path, json=user, headers=as_caller())
    twice = accounts_api.post(path, json=user, headers=as_caller())

    assert added.status_code == 201
    assert added.headers["location"] == f"{path}/{added.json()['user_id']}"
    assert problem(twice) == (409, "duplicate-email")


@pytest.mark.parametrize(
    ("directory", "retry_after", "said"),
    [(UnreachableDirectory(), "5", "unreachable"), (BusyDirectory(), "1", "busy")],
    ids=["unreachable", "busy"],
)
def test_a_directory_that_cannot_answer_is_a_503_naming_it(
    directory: InMemoryDirectory, retry_after: str, said: str
) -> None:
    app = create_command_app(AccountsTwin(directory), [tenants.router], accounts_problems)
    with TestClient(app) as http:
        answer = http.post(f"/v1/tenants/{uuid.uuid4()}/suspend", headers=as_caller())
        assert problem(answer) == (503, "shard-unavailable")
        assert answer.headers["retry-after"] == retry_after  # busy: soon; down: later
        assert answer.json()["shard"] == "directory"
        assert said in answer.json()["detail"]


def test_billing_answers_before_and_after_the_subscription_starts() -> None:
    service = BillingTwin(BillingSettings())
    app = create_command_app(service, [subscriptions.router, invoices.router], billing_problems)
    tenant_id = uuid.uuid4()
    path = f"/v1/tenants/{tenant_id}/subscription"
    with TestClient(app) as http:
        early = http.put(path, json={"plan": "pro", "seats": 2}, headers=as_caller())
        assert http.portal is not None  # the app's event loop, while the client runs
        http.portal.call(
            service.commands.run, start_subscription, StartSubscription(tenant_id, Currency.EUR),
            Origin(uuid.uuid4()),
        )  # fmt: skip
        changed = http.put(path, json={"plan": "pro", "seats": 2}, headers=as_caller())
        this_month = f"{datetime.now(UTC):%Y-%m}"
        invoice = http.post(
            f"/v1/tenants/{tenant_id}/invoices", json={"period": this_month}, headers=as_caller()
        )

        assert problem(early) == (409, "subscription-not-started")
        assert early.headers["retry-after"] == "1"
        assert (changed.status_code, changed.headers["etag"]) == (200, '"2"')
        assert changed.json()["plan"] == "pro"
        assert problem(invoice) == (422, "period-not-closed")


USAGE_TENANT = Caller(subject="t", operator=False, tenant_id=uuid.uuid4(), region="apac")


@pytest.fixture
def usage_api() -> Iterator[TestClient]:
    app = create_command_app(UsageTwin(UsageSettings()), [api.router, metered.router])
    with TestClient(app) as client:
        yield client


def usage_record() -> dict[str, Any]:
    return {
        "event_id": str(uuid.uuid4()), "meter": "api_calls", "quantity": 2,
        "occurred_at": (datetime.now(UTC) - timedelta(minutes=1)).isoformat(),
    }  # fmt: skip


def test_usage_takes_a_tenants_own_key_and_counts_duplicates(usage_api: TestClient) -> None:
    tenant, record = USAGE_TENANT, usage_record()
    refused = usage_api.post("/v1/usage", json={"records": [record]}, headers=as_caller())
    first = usage_api.post("/v1/usage", json={"records": [record]}, headers=as_caller(tenant))
    again = usage_api.post("/v1/usage", json={"records": [record]}, headers=as_caller(tenant))

    assert problem(refused) == (403, "tenant-key-required")
    assert (first.status_code, first.json()) == (202, {"accepted": 1, "duplicates": 0})
    assert again.json() == {"accepted": 0, "duplicates": 1}


def test_usage_bodies_are_read_from_json_naming_each_invalid_field(usage_api: TestClient) -> None:
    tenant, good = USAGE_TENANT, usage_record()
    bad = [
        {**good, "occurred_at": 1_765_000_000},  # a number is not read as seconds since 1970
        {**good, "occurred_at": "2026-12-01T10:00:00"},  # no offset
        {**good, "quantity": 0},
        {**good, "colour": "blue"},
    ]
    invalid = usage_api.post("/v1/usage", json={"records": [good, *bad]}, headers=as_caller(tenant))
    malformed = usage_api.post("/v1/usage", content=b'{"records": [', headers=as_caller(tenant))
    metered_invalid = usage_api.post(
        "/internal/usage/metered",
        json={"tenants": [{"tenant_id": str(tenant.tenant_id), "region": "apac",
                           "records": [bad[0]]}]},
        headers=as_caller(),
    )  # fmt: skip
    accepted = usage_api.post("/v1/usage", json={"records": [good]}, headers=as_caller(tenant))

    assert problem(invalid) == (422, "validation-error")
    assert {e["field"] for e in invalid.json()["errors"]} == {
        "records.1.occurred_at", "records.2.occurred_at", "records.3.quantity",
        "records.4.colour",
    }  # fmt: skip
    assert problem(malformed) == (400, "malformed-json")
    assert problem(metered_invalid) == (422, "validation-error")
    assert [e["field"] for e in metered_invalid.json()["errors"]] == [
        "tenants.0.records.0.occurred_at"
    ]
    assert (accepted.status_code, accepted.json()) == (202, {"accepted": 1, "duplicates": 0})
