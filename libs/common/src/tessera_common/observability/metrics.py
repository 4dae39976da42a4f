"""Prometheus metrics: RED per route for every HTTP service, plus shared helpers."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from fastapi.routing import iter_route_contexts
from prometheus_client import CONTENT_TYPE_LATEST, Counter, Histogram, generate_latest
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute

from tessera_common.observability.buckets import LATENCY_BUCKETS

HTTP_REQUESTS = Counter(
    "tessera_http_requests_total",
    "HTTP requests served, by route template and status code.",
    ["service", "method", "route", "status"],
)
HTTP_ERRORS = Counter(
    "tessera_http_errors_total",
    "HTTP responses with a 5xx status, by route template.",
    ["service", "method", "route"],
)
HTTP_DURATION = Histogram(
    "tessera_http_request_duration_seconds",
    "Time to serve an HTTP request, by route template.",
    ["service", "method", "route"],
    buckets=LATENCY_BUCKETS,
)
CACHE_LOOKUPS = Counter(
    "tessera_cache_lookups_total",
    "Cache lookups by service, layer (l1 in process, l2 Redis) and result (hit or miss).",
    ["service", "layer", "result"],
)


def record_cache_lookup(service: str, layer: str, hit: bool) -> None:
    """Count one lookup of a cache layer."""
    CACHE_LOOKUPS.labels(service, layer, "hit" if hit else "miss").inc()


def observe_request(service: str, method: str, route: str, status: int, seconds: float) -> None:
    """Count one served request, its status and its duration under its route template."""
    HTTP_REQUESTS.labels(service, method, route, str(status)).inc()
    HTTP_DURATION.labels(service, method, route).observe(seconds)
    if status >= 500:
        HTTP_ERRORS.labels(service, method, route).inc()


def initialise_route_series(service: str, routes: Sequence[BaseRoute]) -> None:
    """A zero error series for every route and method, from the start: an error ratio
    then reads 0 on a healthy system (not "No data"), and increase() sees the first 5xx."""
    for route in iter_route_contexts(routes):  # included routers' routes too
        for method in route.methods or ():
            HTTP_ERRORS.labels(service, method, route.path)


def initialise_error_series(service: str, operations: Iterable[tuple[str, str]]) -> None:
    """The same for (method, route template) pairs served outside FastAPI's router."""
    for method, template in operations:
        HTTP_ERRORS.labels(service, method, template)


async def metrics_endpoint(_: Request) -> Response:
    """The Prometheus text exposition of this process's registry."""
    return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)
