"""The metrics mean what they say: each moves with the work it measures."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import httpx
import pytest
from support import Api, bearer

from tessera_common.observability.exposition import Scrape
from tessera_stack.endpoints import Endpoints
from tessera_stack.layout import StackLayout


@pytest.fixture(scope="module")
def layout(endpoints: Endpoints) -> StackLayout:
    if endpoints.source == "environment":
        pytest.skip("the services' own addresses are not known for servers named by env")
    return StackLayout()


async def scrape(layout: StackLayout, service: str) -> Scrape:
    """Every instance of the service at once: the gateway and the edge spread the work."""
    async with httpx.AsyncClient() as client:
        texts = [(await client.get(f"{url}/metrics")).text for url in layout.instance_urls(service)]
    return Scrape.parse(*texts)


def count(scrape: Scrape, name: str, **labels: str) -> float:
    return scrape.total(name, lambda x: all(x.get(k) == v for k, v in labels.items()))


async def test_a_command_moves_the_db_histogram_of_its_shard(layout: StackLayout, api: Api) -> None:
    before = await scrape(layout, "accounts")
    tenant = await api.tenant()
    after = await scrape(layout, "accounts")
    timed = "tessera_db_query_duration_seconds_count"
    labels = {"service": "accounts", "shard": tenant["shard"]}
    assert count(after, timed, **labels) > count(before, timed, **labels)
    directory = {"service": "accounts", "shard": "directory"}
    assert count(after, timed, **directory) > count(before, timed, **directory)


async def test_a_read_moves_the_read_db_histogram(layout: StackLayout, api: Api) -> None:
    tenant = await api.tenant()
    before = await scrape(layout, "query")
    response = await api.read(f"/v1/tenants/{tenant['tenant_id']}", tenant["token"])
    assert response.status_code == 200
    after = await scrape(layout, "query")
    timed = "tessera_db_query_duration_seconds_count"
    assert count(after, timed, service="query", shard="read") > count(
        before, timed, service="query", shard="read"
    )


async def test_the_relay_times_each_kafka_produce(
    layout: StackLayout, api: Api, converge: Callable[..., Awaitable[object]]
) -> None:
    before = await scrape(layout, "accounts")
    await api.tenant()
    timed = "tessera_kafka_produce_duration_seconds_count"
    topic = {"topic": "accounts.events"}

    async def produced() -> bool | None:
        grown = (
            count(await scrape(layout, "accounts"), timed, **topic)
            >= count(before, timed, **topic) + 2
        )
        return True if grown else None

    await converge(produced)


async def test_repeated_reads_move_the_hit_counters_of_the_gateway_key_and_answer_caches(
    layout: StackLayout, api: Api
) -> None:
    tenant = await api.tenant()
    path = f"/v1/tenants/{tenant['tenant_id']}"
    assert (await api.read(path, tenant["token"], tenant["api_key"])).status_code == 200
    # The gateway keeps a key in L1 only once the tenant's profile is in Redis, which the
    # read above has waited for; this request puts it there, and keeps the answer.
    assert (await api.gateway.get(path, headers=bearer(tenant["api_key"]))).status_code == 200
    lookups = "tessera_cache_lookups_total"
    gateway_before = await scrape(layout, "gateway")
    for _ in range(2):  # no token: both reads are answered in process, the answer kept
        response = await api.gateway.get(path, headers=bearer(tenant["api_key"]))
        assert response.status_code == 200
    gateway_after = await scrape(layout, "gateway")
    kept = {"service": "gateway", "layer": "responses", "result": "hit"}
    assert count(gateway_after, lookups, **kept) >= count(gateway_before, lookups, **kept) + 2
    key_hit = {"service": "gateway", "layer": "l1", "result": "hit"}
    assert count(gateway_after, lookups, **key_hit) >= count(gateway_before, lookups, **key_hit) + 2
