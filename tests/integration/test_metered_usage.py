"""The gateway's metering flush: many tenants' records in one request to the usage service,
stored per tenant and shard, a tenant with an invalid record refused alone, a resend a
duplicate, and nobody but an operator's token let in."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from support import Usage, usage_record

from tessera_common.auth.internal_token import HEADER, OPERATOR, Caller, sign_internal_token
from tessera_common.settings import AuthSettings
from tessera_stack.endpoints import Endpoints

PATH = "/internal/usage/metered"


def token(caller: Caller) -> dict[str, str]:
    return {HEADER: sign_internal_token(caller, AuthSettings().internal_token_secret
                                        .get_secret_value(), 60)}  # fmt: skip


def entry(tenant: uuid.UUID, region: str, *records: dict[str, Any]) -> dict[str, Any]:
    return {"tenant_id": str(tenant), "region": region, "records": list(records)}


async def post(endpoints: Endpoints, body: dict[str, Any], caller: Caller) -> httpx.Response:
    (url, *_) = endpoints.upstreams["usage"]
    async with httpx.AsyncClient(base_url=url, timeout=15) as client:
        return await client.post(PATH, json=body, headers=token(caller))


async def test_many_tenants_in_one_request_each_stored_on_its_shard_once(
    endpoints: Endpoints, usage_db: Usage
) -> None:
    tenants = {uuid.uuid4(): region for region in ("us-east", "eu-west", "apac", "us-east")}
    records = {tenant: [usage_record(quantity=3), usage_record(quantity=4)] for tenant in tenants}
    too_old = usage_record(occurred_at=datetime.now(UTC) - timedelta(days=3 * 365))
    refused = uuid.uuid4()
    body = {"tenants": [entry(t, r, *records[t]) for t, r in tenants.items()]
            + [entry(refused, "apac", usage_record(), too_old)]}  # fmt: skip

    first = await post(endpoints, body, OPERATOR)
    assert first.status_code == 202, first.text
    outcomes = {uuid.UUID(o["tenant_id"]): o for o in first.json()["tenants"]}
    assert all(outcomes[t] == {"tenant_id": str(t), "accepted": 2, "duplicates": 0,
                               "refused": None} for t in tenants)  # fmt: skip
    assert outcomes[refused]["accepted"] == 0
    assert "records[1].occurred_at" in outcomes[refused]["refused"]

    again = await post(endpoints, body, OPERATOR)
    assert again.status_code == 202
    resent = [o for o in again.json()["tenants"] if uuid.UUID(o["tenant_id"]) in tenants]
    assert all(o["duplicates"] == 2 and o["accepted"] == 0 for o in resent)

    stored = await usage_db.rows(
        "SELECT tenant_id, sum(quantity) AS total FROM usage_records"
        " WHERE tenant_id = ANY($1::uuid[]) GROUP BY tenant_id", [*tenants, refused],
    )  # fmt: skip
    totals = {row["tenant_id"]: row["total"] for rows in stored.values() for row in rows}
    assert totals == dict.fromkeys(tenants, 7)  # once each, nothing of the refused tenant
    holders = {row["tenant_id"]: shard for shard, rows in stored.items() for row in rows}
    assert {holders[t] for t, r in tenants.items() if r != "us-east"} == {"shard-2"}


async def test_only_an_operators_token_may_post_metered_calls(endpoints: Endpoints) -> None:
    tenant = uuid.uuid4()
    body = {"tenants": [entry(tenant, "us-east", usage_record())]}
    as_tenant = Caller("key:x", operator=False, tenant_id=tenant, region="us-east")
    assert (await post(endpoints, body, as_tenant)).status_code == 403
    (url, *_) = endpoints.upstreams["usage"]
    async with httpx.AsyncClient(base_url=url) as client:
        assert (await client.post(PATH, json=body)).status_code == 401


async def test_a_tenant_named_twice_is_a_422(endpoints: Endpoints) -> None:
    tenant = uuid.uuid4()
    body = {"tenants": [entry(tenant, "us-east", usage_record())] * 2}
    refused = await post(endpoints, body, OPERATOR)
    assert refused.status_code == 422
    assert refused.headers["content-type"] == "application/problem+json"
