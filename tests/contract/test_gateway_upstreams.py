"""The gateway's routing table against its upstreams' committed OpenAPI snapshots."""

from __future__ import annotations

import pytest
from openapi_snapshots import UPSTREAMS, committed, current, path_of, public_operations, render

from gateway.routes import ROUTES, Route

ROUTED = {(route.pool, route.method, route.template) for route in ROUTES}


@pytest.mark.parametrize("service", sorted(UPSTREAMS))
def test_the_committed_snapshot_is_the_service_s_current_api(service: str) -> None:
    path = path_of(service)
    assert path.exists(), f"{path} is missing: run `make contracts`"
    assert path.read_text() == render(current(service)), f"{path} is stale: run `make contracts`"


def test_every_route_goes_to_an_upstream_that_has_a_snapshot() -> None:
    assert {route.pool for route in ROUTES} <= set(UPSTREAMS)


@pytest.mark.parametrize("route", ROUTES, ids=[f"{r.method} {r.template}" for r in ROUTES])
def test_every_gateway_route_is_an_operation_of_its_upstream(route: Route) -> None:
    assert (route.method, route.template) in public_operations(committed(route.pool)), (
        f"{route.method} {route.template} is routed to {route.pool}, which has no such operation"
    )


@pytest.mark.parametrize("service", sorted(UPSTREAMS))
def test_every_public_upstream_operation_is_routed(service: str) -> None:
    unrouted = {
        (method, path)
        for method, path in public_operations(committed(service))
        if (service, method, path) not in ROUTED
    }
    assert unrouted == set(), f"{service} serves operations the gateway does not route"
