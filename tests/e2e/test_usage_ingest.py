"""Usage ingest: batches on the tenant's regional shard, monthly partitions, once per event id."""

from __future__ import annotations

import asyncio
import json
import math
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from support import PROBLEM_JSON, Api, Billing, Usage, bearer

from billing.domain.price_book import PriceBook
from tessera_common.catalog import price_book_json
from tessera_common.vocabulary import Currency, Plan

Converge = Callable[..., Awaitable[Any]]
IN_LAST_MONTH = "2026-10-15T12:00:00+00:00"  # "2026-10" is closed when the suite runs
TOMORROW = (datetime.now(UTC) + timedelta(days=1)).isoformat()


def record(
    quantity: int = 1, occurred_at: str | None = None, meter: str = "api_calls"
) -> dict[str, Any]:
    when = occurred_at or (datetime.now(UTC) - timedelta(hours=1)).isoformat()
    return {
        "event_id": str(uuid.uuid4()), "meter": meter, "quantity": quantity, "occurred_at": when,
    }  # fmt: skip


async def stored(usage_db: Usage, tenant_id: str) -> dict[str, int]:
    """Records per shard for the tenant (shards without any are left out)."""
    rows = await usage_db.rows(
        "SELECT count(*) AS n FROM usage_records WHERE tenant_id = $1::uuid", uuid.UUID(tenant_id)
    )
    return {shard: found[0]["n"] for shard, found in rows.items() if found[0]["n"]}


@pytest.mark.parametrize("region", ["us-east", "eu-west", "apac"])
async def test_a_batch_lands_once_on_the_shard_that_holds_the_tenant(
    api: Api, usage_db: Usage, region: str
) -> None:
    tenant = await api.tenant(region=region, name="Metered")
    key = bearer(tenant["api_key"])
    batch = [record() for _ in range(2_000)]
    first = await api.gateway.post("/v1/usage", json={"records": batch}, headers=key)
    assert first.status_code == 202, first.text
    assert first.json() == {"accepted": 2_000, "duplicates": 0}
    again = await api.gateway.post(
        "/v1/usage", json={"records": [*batch[:500], batch[0]]}, headers=key
    )
    assert again.json() == {"accepted": 0, "duplicates": 501}
    mixed = await api.gateway.post(
        "/v1/usage", json={"records": [*batch[:3], record(), record()]}, headers=key
    )
    assert mixed.json() == {"accepted": 2, "duplicates": 3}
    # Geography: usage lives on the same regional shard as the tenant's account.
    assert await stored(usage_db, tenant["tenant_id"]) == {tenant["shard"]: 2_002}


@pytest.mark.parametrize(
    ("bad", "field"),
    [
        ({"quantity": 0}, "records.1.quantity"),
        ({"meter": "cpu_seconds"}, "records.1.meter"),
        ({"occurred_at": "2026-10-15T12:00:00"}, "records.1.occurred_at"),
        ({"occurred_at": TOMORROW}, "records[1].occurred_at"),
        ({"occurred_at": "2020-01-01T00:00:00+00:00"}, "records[1].occurred_at"),
        ({"event_id": "not-a-uuid"}, "records.1.event_id"),
    ],
)
async def test_a_bad_record_refuses_the_whole_batch(
    api: Api, usage_db: Usage, bad: dict[str, Any], field: str
) -> None:
    tenant = await api.tenant(name="Careless")
    response = await api.gateway.post(
        "/v1/usage", json={"records": [record(), {**record(), **bad}]},
        headers=bearer(tenant["api_key"]),
    )  # fmt: skip
    assert response.status_code == 422
    assert response.headers["content-type"] == PROBLEM_JSON
    assert field in [error["field"] for error in response.json()["errors"]]
    assert await stored(usage_db, tenant["tenant_id"]) == {}  # no partial write


async def test_batch_bounds_and_keys(api: Api) -> None:
    tenant = await api.tenant(name="Bounded")
    key = bearer(tenant["api_key"])
    empty = await api.gateway.post("/v1/usage", json={"records": []}, headers=key)
    assert empty.status_code == 422
    huge = await api.gateway.post(
        "/v1/usage", json={"records": [record() for _ in range(10_001)]}, headers=key
    )
    assert huge.status_code == 422
    assert huge.json()["errors"][0]["field"] == "records"
    one = {"records": [record()]}
    operator = await api.gateway.post("/v1/usage", json=one, headers=api.operator)
    assert operator.status_code == 403


async def test_monthly_partitions_exist_ahead_of_time(usage_db: Usage) -> None:
    ahead = (datetime.now(UTC).replace(day=1) + timedelta(days=62)).strftime("usage_records_%Y_%m")
    rows = await usage_db.rows(
        "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
        "JOIN pg_class p ON p.oid = i.inhparent WHERE p.relname = 'usage_records'"
    )
    for shard, partitions in rows.items():
        names = {row["relname"] for row in partitions}
        assert ahead in names, shard
        assert len(names) >= 14, shard  # 13 months back, this one, and ahead


async def test_usage_over_the_allowance_is_billed_as_overage(
    api: Api, billing_db: Billing, converge: Converge
) -> None:
    tenant = await api.tenant(name="Heavy", currency="USD")
    key = bearer(tenant["api_key"])

    async def subscription_started() -> bool | None:
        rows = await billing_db.rows(
            "SELECT 1 FROM subscriptions WHERE tenant_id = $1::uuid", uuid.UUID(tenant["tenant_id"])
        )
        return True if any(rows.values()) else None

    await converge(subscription_started, within=30)
    put = await api.gateway.put(
        f"/v1/tenants/{tenant['tenant_id']}/subscription", json={"plan": "pro", "seats": 1},
        headers=key,
    )  # fmt: skip
    assert put.status_code == 200
    used = [record(150_000, IN_LAST_MONTH) for _ in range(3)] + [record(7, IN_LAST_MONTH, "seats")]
    ingested = await api.gateway.post("/v1/usage", json={"records": used}, headers=key)
    assert ingested.json()["accepted"] == 4

    async def totals_learned() -> int | None:
        rows = await billing_db.rows(
            "SELECT quantity FROM usage_totals WHERE tenant_id = $1::uuid AND period = '2026-10' "
            "AND meter = 'api_calls'", uuid.UUID(tenant["tenant_id"]),
        )  # fmt: skip
        found = [row["quantity"] for shard_rows in rows.values() for row in shard_rows]
        return found[0] if found and found[0] == 450_000 else None

    await converge(totals_learned, within=30)
    invoice = await api.gateway.post(
        f"/v1/tenants/{tenant['tenant_id']}/invoices", json={"period": "2026-10"}, headers=key
    )
    assert invoice.status_code == 201, invoice.text
    lines = {line["kind"]: line for line in invoice.json()["lines"]}
    overage = lines["api_calls_overage"]
    prices = PriceBook.from_dict(json.loads(price_book_json())).price(Plan.PRO, Currency.USD)
    included = prices.included_api_calls
    assert overage["quantity"] == math.ceil((450_000 - included) / 1000)
    assert overage["amount"] == overage["quantity"] * overage["unit_amount"] > 0


async def test_usage_of_many_tenants_reported_together_is_totalled_once_each(
    api: Api, billing_db: Billing, converge: Converge
) -> None:
    """Billing applies the UsageRecorded events it fetches together in one transaction per
    shard: each tenant's total is still the sum of its own batches, each counted once."""
    tenants = await asyncio.gather(*(api.tenant(name=f"Together {n}") for n in range(12)))
    keys = [bearer(tenant["api_key"]) for tenant in tenants]
    batches = [[record(n + 1, IN_LAST_MONTH) for _ in range(3)] for n in range(len(tenants))]
    await asyncio.gather(*(
        api.gateway.post("/v1/usage", json={"records": batch}, headers=key)
        for batch, key in zip(batches * 2, keys * 2, strict=True)  # each batch twice
    ))  # fmt: skip
    expected = {uuid.UUID(t["tenant_id"]): 3 * (n + 1) for n, t in enumerate(tenants)}

    async def totals() -> dict[uuid.UUID, int] | None:
        rows = await billing_db.rows(
            "SELECT tenant_id, quantity FROM usage_totals WHERE tenant_id = ANY($1::uuid[]) "
            "AND period = '2026-10' AND meter = 'api_calls'", list(expected),
        )  # fmt: skip
        found = {row["tenant_id"]: row["quantity"] for shard in rows.values() for row in shard}
        return found if found == expected else None

    assert await converge(totals, within=30) == expected


async def test_a_keyed_batch_replays_its_first_answer(api: Api) -> None:
    tenant = await api.tenant(name="Replayed")
    keyed = {**bearer(tenant["api_key"]), "Idempotency-Key": f"usage-{uuid.uuid4()}"}
    batch = {"records": [record() for _ in range(10)]}
    first = await api.gateway.post("/v1/usage", json=batch, headers=keyed)
    again = await api.gateway.post("/v1/usage", json=batch, headers=keyed)
    assert first.json() == again.json() == {"accepted": 10, "duplicates": 0}  # not 0 and 10
    assert again.headers["idempotent-replayed"] == "true"


async def test_an_event_id_sent_again_at_another_time_is_a_duplicate(
    api: Api, usage_db: Usage
) -> None:
    """Unique by (tenant, event id), not by the partition's key (which holds the time)."""
    tenant = await api.tenant(name="Resent")
    first = record(5)
    later = datetime.fromisoformat(first["occurred_at"]) + timedelta(seconds=1)
    again = [{**first, "occurred_at": later.isoformat()}, {**first, "occurred_at": IN_LAST_MONTH}]
    answers = []
    for body in (first, *again):
        headers = {**bearer(tenant["api_key"]), "Idempotency-Key": str(uuid.uuid4())}
        sent = await api.gateway.post("/v1/usage", json={"records": [body]}, headers=headers)
        assert sent.status_code == 202, sent.text
        answers.append(sent.json())
    assert answers == [
        {"accepted": 1, "duplicates": 0},
        {"accepted": 0, "duplicates": 1},  # one second later: the same partition
        {"accepted": 0, "duplicates": 1},  # another month: another partition
    ]
    assert await stored(usage_db, tenant["tenant_id"]) == {tenant["shard"]: 1}


async def test_concurrent_batches_sharing_an_event_id_at_different_times_store_it_once(
    api: Api, usage_db: Usage
) -> None:
    tenant = await api.tenant(name="Racing", plan="pro")
    shared = record()
    start = datetime.fromisoformat(shared["occurred_at"])
    batches = [
        [record() for _ in range(50)]
        + [{**shared, "occurred_at": (start + timedelta(seconds=n)).isoformat()}]
        + [record() for _ in range(50)]
        for n in range(6)
    ]
    answers = await asyncio.gather(
        *(
            api.gateway.post("/v1/usage", json={"records": batch},
                             headers=bearer(tenant["api_key"]))
            for batch in batches
        )
    )  # fmt: skip
    assert [a.status_code for a in answers] == [202] * 6
    assert sum(a.json()["accepted"] for a in answers) == 6 * 100 + 1
    assert sum(a.json()["duplicates"] for a in answers) == 5
    assert await stored(usage_db, tenant["tenant_id"]) == {tenant["shard"]: 601}
