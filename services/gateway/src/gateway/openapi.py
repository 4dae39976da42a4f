"""The public API's OpenAPI: the upstreams' documents merged, routed operations only."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterable, Mapping
from typing import Any

from gateway.routes import Access, Route
from tessera_common.http.openapi import add_problems

_REF = "#/components/schemas/"


def aggregate(documents: Mapping[str, dict[str, Any]], routes: Iterable[Route]) -> dict[str, Any]:
    """One document with every routed operation of every pool's document, and its schemas.

    A schema name two upstreams define differently is qualified with the pool's name.
    """
    paths: dict[str, dict[str, Any]] = {}
    schemas: dict[str, Any] = {}
    by_pool: dict[str, list[Route]] = {}
    for route in routes:
        by_pool.setdefault(route.pool, []).append(route)
    for pool, pool_routes in sorted(by_pool.items()):
        document = _qualified(documents[pool], pool, schemas)
        schemas.update(document.get("components", {}).get("schemas", {}))
        for route in pool_routes:
            operation = _at_the_gateway(
                document["paths"][route.template][route.method.lower()], route
            )
            paths.setdefault(route.template, {})[route.method.lower()] = operation
    return {
        "openapi": "3.1.0",
        "info": {"title": "Tessera API", "version": "1"},
        "paths": dict(sorted(paths.items())),
        "components": {
            "schemas": dict(sorted(schemas.items())),
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        },
    }


def gateway_statuses(route: Route, *, has_body: bool) -> set[int]:
    """What the gateway itself may answer on a route, before or instead of its upstream."""
    statuses = {503}  # no instance of the pool answered, or its breaker is open
    if has_body:
        statuses.add(413)
    if route.access is not Access.PUBLIC:
        statuses.add(401)
    if route.access in (Access.OPERATOR, Access.TENANT_KEY):
        statuses.add(403)
    if route.access is Access.TENANT:
        statuses.add(404)  # another tenant's resources read as absent
    if route.access in (Access.TENANT, Access.TENANT_KEY):
        statuses.add(429)  # tenant keys are rate limited; the operator is not
    return statuses


def _at_the_gateway(upstream: dict[str, Any], route: Route) -> dict[str, Any]:
    """The upstream's operation as the public meets it: a bearer key instead of the
    internal token, and the gateway's own statuses added."""
    operation = copy.deepcopy(upstream)
    operation.pop("security", None)
    responses = operation.setdefault("responses", {})
    if route.access is Access.PUBLIC:
        responses.pop("401", None)
    else:
        operation["security"] = [{"bearer": []}]
        responses["401"] = {"description": "Missing or invalid API key"}
    add_problems(operation, gateway_statuses(route, has_body="requestBody" in operation))
    return operation


def _qualified(document: dict[str, Any], pool: str, known: dict[str, Any]) -> dict[str, Any]:
    """The document with each schema that clashes with a known one renamed `<pool>_<name>`."""
    text = json.dumps(document)
    for name, schema in document.get("components", {}).get("schemas", {}).items():
        if name in known and known[name] != schema:
            text = text.replace(f'"{_REF}{name}"', f'"{_REF}{pool}_{name}"')
    renamed: dict[str, Any] = json.loads(text)
    schemas = renamed.get("components", {}).get("schemas", {})
    for name in list(schemas):
        if name in known and known[name] != document["components"]["schemas"][name]:
            schemas[f"{pool}_{name}"] = schemas.pop(name)
    return renamed
