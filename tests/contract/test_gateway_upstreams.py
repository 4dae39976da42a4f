"""The gateway's routing table against its upstreams' committed OpenAPI snapshots, and
every document's errors: problem+json, one Problem schema, the gateway's own statuses."""

from __future__ import annotations

import json
from typing import Any

import pytest
from openapi_snapshots import (
    UPSTREAMS,
    committed,
    current,
    path_of,
    public_document,
    public_operations,
    render,
)

from gateway.routes import ROUTES, Access, Route
from tessera_common.http.openapi import PROBLEM_REF
from tessera_common.problems import PROBLEM_JSON

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


def operations(document: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (method.upper(), path, operation)
        for path, ops in document["paths"].items()
        for method, operation in ops.items()
    ]


@pytest.mark.parametrize("service", [*sorted(UPSTREAMS), "gateway"])
def test_every_error_is_documented_as_a_problem(service: str) -> None:
    document = public_document() if service == "gateway" else committed(service)
    text = json.dumps(document)
    assert "HTTPValidationError" not in text
    assert document["components"]["schemas"]["Problem"]["required"] == ["type", "title", "status"]
    for method, path, operation in operations(document):
        statuses = {int(status) for status in operation["responses"]}
        assert 500 in statuses, (method, path)
        assert any(200 <= status < 300 for status in statuses), (method, path)
        for status, response in operation["responses"].items():
            if int(status) >= 400:
                assert response["content"] == {PROBLEM_JSON: {"schema": PROBLEM_REF}}, status
                assert response["description"]


@pytest.mark.parametrize("route", ROUTES, ids=[f"{r.method} {r.template}" for r in ROUTES])
def test_the_public_document_adds_what_the_gateway_itself_answers(route: Route) -> None:
    operation = public_document()["paths"][route.template][route.method.lower()]
    statuses = {int(status) for status in operation["responses"]}
    assert 503 in statuses  # upstream unavailable
    assert (429 in statuses) == (route.access in (Access.TENANT, Access.TENANT_KEY))
    assert (401 in statuses) == (route.access is not Access.PUBLIC)
    assert (413 in statuses) == ("requestBody" in operation)
    assert ("security" in operation) == (route.access is not Access.PUBLIC)
    assert "internalToken" not in json.dumps(operation)
