"""Every service exposes Prometheus metrics, and they move with the traffic."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families
from prometheus_client.samples import Sample
from support import Api, bearer, usage_record

from tessera_common.events.topics import EVENT_TOPICS
from tessera_common.settings import KafkaSettings
from tessera_stack.endpoints import Endpoints
from tessera_stack.layout import StackLayout

Converge = Callable[..., Awaitable[Any]]
SERVICES = ("gateway", "accounts", "billing", "usage", "query", "projector")


def sample(text: str, name: str, **labels: str) -> float:
    """The value of one sample (summed over instances), 0 when absent."""
    return sum(
        float(s.value)
        for family in text_string_to_metric_families(text)
        for s in family.samples
        if s.name == name and all(s.labels.get(k) == v for k, v in labels.items())
    )


def lag_samples(text: str) -> list[Sample]:
    """Every consumer-lag sample of one exposition."""
    return [
        s for family in text_string_to_metric_families(text) for s in family.samples
        if s.name == "tessera_consumer_lag_messages"
    ]  # fmt: skip


async def all_metrics(client: httpx.AsyncClient, urls: list[str]) -> str:
    """Every instance's metrics, one after another (samples repeat per instance)."""
    return "".join([(await client.get(f"{url}/metrics")).text for url in urls])


@pytest.fixture(scope="module")
def layout(endpoints: Endpoints) -> StackLayout:
    if endpoints.source == "environment":
        pytest.skip("the services' own addresses are not known for servers named by env")
    return StackLayout()


async def test_every_service_serves_metrics(layout: StackLayout) -> None:
    async with httpx.AsyncClient() as client:
        for name in SERVICES:
            response = await client.get(f"{layout.service_url(name)}/metrics")
            assert response.status_code == 200, name
            assert response.headers["content-type"].startswith("text/plain")


def series(text: str, name: str) -> list[Sample]:
    return [s for f in text_string_to_metric_families(text) for s in f.samples if s.name == name]


async def test_error_and_dead_letter_series_exist_before_the_first_error(
    layout: StackLayout,
) -> None:
    """Error-rate panels read 0 on a healthy system, and increase() sees the first dead letter."""
    async with httpx.AsyncClient() as client:
        for name, route in (("accounts", "/v1/tenants"), ("gateway", "/v1/tenants")):
            text = (await client.get(f"{layout.service_url(name)}/metrics")).text
            routes = {(s.labels["method"], s.labels["route"]) for s in
                      series(text, "tessera_http_errors_total")}  # fmt: skip
            assert ("POST", route) in routes, name
        text = (await client.get(f"{layout.service_url('projector')}/metrics")).text
    topics = {s.labels["topic"] for s in series(text, "tessera_projector_dead_letters_total")}
    assert set(EVENT_TOPICS) <= topics


async def test_a_query_moves_its_route_counter_and_histogram(layout: StackLayout, api: Api) -> None:
    tenant = await api.tenant()
    route = {"service": "query", "method": "GET", "route": "/v1/tenants/{tenant_id}"}
    async with httpx.AsyncClient() as client:  # reads spread over every query instance
        before = await all_metrics(client, layout.instance_urls("query"))
        await api.read(f"/v1/tenants/{tenant['tenant_id']}", tenant["token"])
        after = await all_metrics(client, layout.instance_urls("query"))
    counted = "tessera_http_requests_total"
    assert (
        sample(after, counted, **route, status="200")
        == sample(before, counted, **route, status="200") + 1
    )
    timed = "tessera_http_request_duration_seconds_count"
    assert sample(after, timed, **route) == sample(before, timed, **route) + 1


async def test_the_outbox_relay_reports_what_it_published(layout: StackLayout, api: Api) -> None:
    await api.tenant()
    async with httpx.AsyncClient() as client:  # one relay per shard leads, on either instance
        text = await all_metrics(client, layout.instance_urls("accounts"))
    published = sum(
        sample(text, "tessera_outbox_published_total", service="accounts", shard=shard)
        for shard in ("shard-0", "shard-1", "shard-2")
    )
    assert published >= 2  # TenantCreated and ApiKeyIssued at least
    assert "tessera_outbox_oldest_unsent_age_seconds" in text
    assert "tessera_outbox_backlog" in text


async def test_choreography_consumers_report_their_lag(layout: StackLayout, api: Api) -> None:
    await api.tenant()  # something for billing to consume
    async with httpx.AsyncClient() as client:
        text = (await client.get(f"{layout.service_url('billing')}/metrics")).text
    lags = lag_samples(text)
    assert {s.labels["topic"] for s in lags} == {"accounts.events", "usage.events"}
    assert all(s.value >= 0 for s in lags)


async def test_the_projector_reports_its_lag_per_partition(
    layout: StackLayout, api: Api, converge: Converge
) -> None:
    tenant = await api.tenant()
    await api.read(f"/v1/tenants/{tenant['tenant_id']}", tenant["token"])  # projected by now

    async def caught_up() -> list[Sample] | None:
        async with httpx.AsyncClient() as client:
            text = (await client.get(f"{layout.service_url('projector')}/metrics")).text
        lags = lag_samples(text)
        # Offsets are committed every few seconds: wait until the probe has seen it.
        return lags if lags and all(s.value == 0 for s in lags) else None

    lags = await converge(caught_up, within=30)
    assert {s.labels["consumer"] for s in lags} == {"tessera-projector"}
    per_topic = {(s.labels["topic"], s.labels["partition"]) for s in lags}
    assert {topic for topic, _ in per_topic} == set(EVENT_TOPICS)
    assert len(per_topic) == 3 * KafkaSettings().topic_partitions


async def test_projection_lag_is_measured_per_read_model_and_store(
    layout: StackLayout, api: Api, converge: Converge
) -> None:
    tenant = await api.tenant()
    record = usage_record()
    metrics = f"{layout.service_url('projector')}/metrics"
    counted = "tessera_projection_lag_seconds_count"
    async with httpx.AsyncClient() as client:
        before = (await client.get(metrics)).text
        used = await api.gateway.post(
            "/v1/usage", json={"records": [record]}, headers=bearer(tenant["api_key"])
        )
        assert used.status_code == 202

        async def observed() -> str | None:
            text = (await client.get(metrics)).text
            moved = [
                sample(text, counted, read_model="usage", store=store)
                - sample(before, counted, read_model="usage", store=store)
                for store in ("postgres", "redis")
            ]
            return text if all(m >= 1 for m in moved) else None

        after = await converge(observed, within=30)
    assert sample(after, counted, read_model="accounts", store="postgres") >= 1
