"""The gateway's resilience parts, without I/O: breaker, retry budget, balancing, OpenAPI."""

from __future__ import annotations

import json
import re

from openapi_snapshots import UPSTREAMS, committed

from gateway.balancing import Balance, Balancer, Instance
from gateway.breaker import BreakerState, CircuitBreaker
from gateway.openapi import aggregate
from gateway.retry_budget import RetryBudget
from gateway.routes import ROUTES, RoutingTable


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def state_of(breaker: CircuitBreaker) -> BreakerState:
    return breaker.state


def test_the_breaker_opens_fails_fast_then_lets_one_probe_through() -> None:
    clock = Clock()
    breaker = CircuitBreaker("unit", failures=2, open_seconds=5, clock=clock)
    breaker.record_failure()
    assert breaker.allow()
    breaker.record_failure()
    assert state_of(breaker) == BreakerState.OPEN
    assert not breaker.allow()
    assert breaker.retry_after() == 5
    clock.now += 5
    assert breaker.allow()  # the probe
    assert not breaker.allow()  # only one
    breaker.record_failure()
    assert state_of(breaker) == BreakerState.OPEN
    clock.now += 5
    assert breaker.allow()
    breaker.record_success()
    assert state_of(breaker) == BreakerState.CLOSED


def test_the_retry_budget_is_a_share_of_recent_requests() -> None:
    clock = Clock()
    budget = RetryBudget("unit", ratio=0.2, window=10, min_retries=1, clock=clock)
    for _ in range(10):
        budget.record_request()
    assert [budget.try_spend() for _ in range(4)] == [True, True, True, False]
    clock.now += 11  # the window moved on: only the minimum is left
    assert [budget.try_spend() for _ in range(2)] == [True, False]


def test_tenant_hash_is_sticky_and_skips_an_ejected_instance() -> None:
    balancer = Balancer([Instance("http://a"), Instance("http://b"), Instance("http://c")])
    first = balancer.order(Balance.TENANT_HASH, "tenant-1", now=0)[0]
    assert all(balancer.order(Balance.TENANT_HASH, "tenant-1", now=0)[0] is first for _ in range(5))
    first.failed("unit", threshold=1, eject_seconds=10, now=0)
    order = balancer.order(Balance.TENANT_HASH, "tenant-1", now=1)
    assert order[0] is not first
    assert order[-1] is first  # tried last, not never
    assert balancer.order(Balance.TENANT_HASH, "tenant-1", now=11)[0] is first


def test_least_outstanding_prefers_the_idle_instance() -> None:
    busy, idle = Instance("http://busy", outstanding=3), Instance("http://idle")
    assert Balancer([busy, idle]).order(Balance.LEAST_OUTSTANDING, None, now=0)[0] is idle


def test_a_named_region_picks_its_pool_only_where_one_is_configured() -> None:
    route = RoutingTable().resolve("GET", "/v1/plans").route
    assert RoutingTable.pool_for(route, "eu-west", {"query", "query.eu-west"}) == "query.eu-west"
    assert RoutingTable.pool_for(route, "apac", {"query", "query.eu-west"}) == "query"
    assert RoutingTable.pool_for(route, None, {"query", "query.eu-west"}) == "query"


def test_the_aggregated_openapi_has_every_route_and_nothing_else() -> None:
    spec = aggregate({name: committed(name) for name in UPSTREAMS}, ROUTES)
    operations = {(m.upper(), p) for p, ops in spec["paths"].items() for m in ops}
    assert operations == {(route.method, route.template) for route in ROUTES}
    refs = set(re.findall(r"#/components/schemas/(\w+)", json.dumps(spec)))
    assert refs <= set(spec["components"]["schemas"]), "every reference resolves"


def test_reporting_usage_is_not_itself_metered() -> None:
    assert not RoutingTable().resolve("POST", "/v1/usage").route.metered
