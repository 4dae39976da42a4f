"""The operator's tenant directory: every shard's tenants, filtered, searched, paged."""

from __future__ import annotations

import uuid

from support import Api, bearer


async def test_the_directory_filters_searches_and_pages_across_shards(api: Api) -> None:
    marker = uuid.uuid4().hex[:10]
    made = [
        await api.tenant(region=region, name=f"Dir {marker} {n}", plan=plan)
        for n, (region, plan) in enumerate(
            [("us-east", "pro"), ("us-east", "free"), ("eu-west", "pro"), ("apac", "pro")]
        )
    ]
    assert len({t["shard"] for t in made}) >= 2  # the directory is not one shard's
    last_token = made[-1]["token"]

    everything = await api.read(f"/v1/tenants?q={marker}&limit=200", last_token)
    assert everything.status_code == 200
    assert [t["name"] for t in everything.json()["items"]] == [t["name"] for t in made]

    pro_us = await api.read(f"/v1/tenants?q={marker}&region=us-east&plan=pro", last_token)
    assert [t["tenant_id"] for t in pro_us.json()["items"]] == [made[0]["tenant_id"]]

    first = await api.read(f"/v1/tenants?q={marker}&limit=3", last_token)
    rest = await api.read(
        f"/v1/tenants?q={marker}&limit=3&cursor={first.json()['next_cursor']}", last_token
    )
    paged = [t["tenant_id"] for t in first.json()["items"] + rest.json()["items"]]
    assert paged == [t["tenant_id"] for t in made]
    assert rest.json()["next_cursor"] is None

    wildcard = await api.read("/v1/tenants?q=%25&limit=5", last_token)  # '%' is literal
    assert all("%" in t["name"] for t in wildcard.json()["items"])


async def test_only_the_operator_reads_the_directory(api: Api) -> None:
    tenant = await api.tenant()
    refused = await api.gateway.get("/v1/tenants", headers=bearer(tenant["api_key"]))
    assert refused.status_code == 403
    bad = await api.gateway.get("/v1/tenants?region=mars", headers=api.operator)
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["field"] == "region"
