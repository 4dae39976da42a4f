"""The gateways' status page, rendered by headless Chromium, shows the whole live system:
every gateway and every instance, tenants per region and shard counted once, KPIs over
every gateway's traffic."""

from __future__ import annotations

import re

import asyncpg
from browser import browse, png_colours, screenshot
from support import Api, current_topology

from tessera_common.db.urls import asyncpg_dsn
from tessera_common.vocabulary import Region
from tessera_stack.endpoints import Endpoints
from tessera_stack.services import SERVICES, instances
from tessera_stack.stack import LocalStack

INFRASTRUCTURE = ("shard-0", "shard-1", "shard-2", "read", "redis", "kafka")
STATES = re.compile(r'data-component="([\w-]+)" data-instance="([\w-]+)" data-state="([\w-]+)"')


def region_counts(dom: str, region: str) -> dict[str, int]:
    found = re.search(rf'data-region="{region}"><td>{region}</td><td>([^<]*)</td>', dom)
    assert found is not None, region
    return {shard: int(n) for shard, n in re.findall(r"([\w-]+) \((\d+)\)", found.group(1))}


async def placements(endpoints: Endpoints) -> dict[tuple[str, str], int]:
    conn = await asyncpg.connect(asyncpg_dsn(endpoints.directory_db_url))
    try:
        rows = await conn.fetch(
            "SELECT region, shard, count(*) AS n FROM tenant_placements GROUP BY region, shard"
        )
    finally:
        await conn.close()
    return {(row["region"], row["shard"]): row["n"] for row in rows}


async def test_every_gateway_shows_every_gateway_and_instance_with_shards_counted_once(
    local_stack: LocalStack, api: Api, endpoints: Endpoints, chromium: str
) -> None:
    await api.tenant(region="apac", name="Observed in apac")
    await api.tenant(region="eu-west", name="Observed in eu-west")
    expected = {instance.name for instance in instances(local_stack.layout, SERVICES)}
    placed = await placements(endpoints)
    # The shards `make shard-add` and `make isolate-tenant` added since are shown too.
    topology = await current_topology(endpoints)
    infrastructure = {*INFRASTRUCTURE, *topology.shards}
    for gateway in local_stack.layout.instance_urls("gateway"):
        dom = browse(chromium, "--dump-dom", f"{gateway}/status")
        states = {instance: state for _, instance, state in STATES.findall(dom)}
        # The stack names a first instance `accounts`, the page `accounts-0`.
        shown = {i.removesuffix("-0") for i in states if i not in infrastructure}
        assert shown == expected, (gateway, states)
        for instance, state in states.items():
            wanted = "up" if instance in infrastructure else "ready"
            assert state == wanted, (gateway, instance, states)
        assert infrastructure <= set(states)
        us_east = region_counts(dom, "us-east")
        assert set(topology.regions.group(Region.US_EAST)) <= set(us_east)

        apac, eu_west = region_counts(dom, "apac"), region_counts(dom, "eu-west")
        assert apac["shard-2"] >= 1
        assert eu_west["shard-2"] >= 1
        # Tenants created between the query above and the page count too: at least as many.
        assert apac["shard-2"] >= placed[("apac", "shard-2")]
        totals = re.search(r"tenants per shard: [^<]*shard-2 (\d+)", dom)
        assert totals is not None
        shard_2 = int(totals.group(1))
        assert shard_2 == apac["shard-2"] + eu_west["shard-2"]

        kpis = dict(re.findall(r'data-kpi="(\w+)" data-value="([^"]*)"', dom))
        assert float(kpis["db_query_p99"]) > 0
        measured = re.search(r'id="scraped">measured over ([^<]*)<', dom)
        assert measured is not None
        assert {"gateway-0", "gateway-1"} <= set(measured.group(1).split(", "))
        assert "updated " in dom

    url = f"{local_stack.layout.service_url('gateway')}/status"
    shot = screenshot(chromium, url, "status", size="1400,1000")
    assert png_colours(shot) > 32
