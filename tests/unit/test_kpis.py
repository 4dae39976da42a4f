"""KPIs computed from exposition text: histogram quantiles, ratios, windows, verdicts."""

from __future__ import annotations

import math

import pytest

from tessera_common.observability.exposition import Scrape, histogram_quantile
from tessera_common.observability.kpis import measure, report

INF = math.inf

EXPOSITION = """\
# TYPE tessera_http_request_duration_seconds histogram
tessera_http_request_duration_seconds_bucket{service="gateway",route="/v1/a",le="0.01"} 90
tessera_http_request_duration_seconds_bucket{service="gateway",route="/v1/a",le="0.1"} 99
tessera_http_request_duration_seconds_bucket{service="gateway",route="/v1/a",le="+Inf"} 100
tessera_http_request_duration_seconds_count{service="gateway",route="/v1/a"} 100
tessera_http_request_duration_seconds_sum{service="gateway",route="/v1/a"} 2.0
tessera_http_request_duration_seconds_bucket{service="gateway",route="/readyz",le="0.01"} 0
tessera_http_request_duration_seconds_bucket{service="gateway",route="/readyz",le="0.1"} 0
tessera_http_request_duration_seconds_bucket{service="gateway",route="/readyz",le="+Inf"} 500
tessera_http_request_duration_seconds_count{service="gateway",route="/readyz"} 500
tessera_http_request_duration_seconds_sum{service="gateway",route="/readyz"} 900.0
# TYPE tessera_http_requests_total counter
tessera_http_requests_total{service="gateway",route="/v1/a",status="200"} 99
tessera_http_requests_total{service="gateway",route="/v1/a",status="503"} 1
tessera_http_requests_total{service="query",route="/v1/t",status="200"} 40
# TYPE tessera_http_errors_total counter
tessera_http_errors_total{service="gateway",route="/v1/a"} 1
# TYPE tessera_cache_lookups_total counter
tessera_cache_lookups_total{service="query",layer="l1",result="hit"} 70
tessera_cache_lookups_total{service="query",layer="l1",result="miss"} 30
tessera_cache_lookups_total{service="query",layer="l2",result="hit"} 20
tessera_cache_lookups_total{service="query",layer="l2",result="miss"} 10
tessera_cache_lookups_total{service="gateway",layer="responses",result="hit"} 85
tessera_cache_lookups_total{service="gateway",layer="responses",result="miss"} 15
# TYPE tessera_db_query_duration_seconds histogram
tessera_db_query_duration_seconds_bucket{service="accounts",shard="shard-0",le="0.001"} 50
tessera_db_query_duration_seconds_bucket{service="accounts",shard="shard-0",le="0.01"} 100
tessera_db_query_duration_seconds_bucket{service="accounts",shard="shard-0",le="+Inf"} 100
tessera_db_query_duration_seconds_count{service="accounts",shard="shard-0"} 100
tessera_db_query_duration_seconds_sum{service="accounts",shard="shard-0"} 0.3
# TYPE tessera_outbox_oldest_unsent_age_seconds gauge
tessera_outbox_oldest_unsent_age_seconds{service="accounts",shard="shard-0"} 0.5
tessera_outbox_oldest_unsent_age_seconds{service="billing",shard="shard-1"} 2.0
"""


def test_quantile_interpolates_inside_the_bucket_holding_the_rank() -> None:
    buckets = {0.01: 90.0, 0.1: 99.0, INF: 100.0}
    assert histogram_quantile(0.5, buckets) == pytest.approx(0.01 * 50 / 90)
    assert histogram_quantile(0.95, buckets) == pytest.approx(0.01 + 0.09 * 5 / 9)


def test_quantile_in_the_overflow_bucket_is_the_highest_finite_bound() -> None:
    assert histogram_quantile(0.999, {0.01: 90.0, 0.1: 99.0, INF: 100.0}) == 0.1


def test_quantile_of_nothing_is_unknown() -> None:
    assert histogram_quantile(0.99, {0.1: 0.0, INF: 0.0}) is None
    assert histogram_quantile(0.99, {}) is None


def test_kpis_from_exposition_text() -> None:
    values = measure(Scrape.parse(EXPOSITION))
    # The gateway's own route only: probes are not what users wait for.
    assert values["p99_latency"] == pytest.approx(0.1)
    assert values["error_rate"] == pytest.approx(0.01)
    assert values["db_query_p99"] == pytest.approx(0.001 + 0.009 * 49 / 50)
    # The query service's 100 reads: 70 answered by L1, 20 more by L2; the gateway's kept
    # answers are a cache of their own: 85 of 100.
    assert values["cache_hit_ratio"] == pytest.approx((70 + 20 + 85) / 200)
    assert values["outbox_age_max"] == 2.0
    assert values["projection_lag_p99"] is None


def test_each_stage_judges_the_value_against_its_own_target() -> None:
    rows = {row["key"]: row for row in report(Scrape.parse(EXPOSITION))["kpis"]}
    verdicts = {stage: v["pass"] for stage, v in rows["p99_latency"]["stages"].items()}
    assert verdicts == {"1k": True, "100k": True, "1M": False}  # 100 ms is not < 100 ms
    cache = {stage: v["pass"] for stage, v in rows["cache_hit_ratio"]["stages"].items()}
    assert cache == {"1k": True, "100k": False, "1M": False}
    assert rows["projection_lag_p99"]["stages"]["1k"]["pass"] is None


def test_a_window_counts_only_what_came_between_two_scrapes() -> None:
    before = Scrape.parse(EXPOSITION)
    after = Scrape.parse(EXPOSITION.replace("} 99\n", "} 199\n").replace("} 100\n", "} 200\n"))
    window = after.since(before)
    assert window.total("tessera_http_requests_total", lambda x: x["status"] == "200") == 100
    # Gauges are levels, not counts: the later value stands.
    assert window.maximum("tessera_outbox_oldest_unsent_age_seconds") == 2.0
