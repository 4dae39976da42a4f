"""The metric names the code defines, the planned ones, and those a PromQL query reads."""

from __future__ import annotations

import ast
from dataclasses import dataclass
from functools import cache

import promql_parser

from deployment import REPO

KINDS = {"Counter": "counter", "Gauge": "gauge", "Histogram": "histogram", "Summary": "summary"}
SUFFIXES = {
    "counter": ("_total", "_created"),
    "gauge": ("",),
    "histogram": ("_bucket", "_sum", "_count", "_created"),
    "summary": ("", "_sum", "_count", "_created"),
}
# Labels every scraped series carries, whatever the code defines.
TARGET_LABELS = frozenset({"job", "instance"})


@dataclass(frozen=True)
class Metric:
    name: str
    kind: str
    labels: frozenset[str]


# Named in the design, not defined by the code yet: dashboards and alerts may use them.
PLANNED: tuple[Metric, ...] = ()
# Prometheus's own series about each target.
BUILTIN = (Metric("up", "gauge", frozenset()),)


def _labels(call: ast.Call) -> frozenset[str]:
    given = call.args[2] if len(call.args) > 2 else None
    given = next((k.value for k in call.keywords if k.arg == "labelnames"), given)
    if not isinstance(given, ast.List | ast.Tuple):
        return frozenset()
    return frozenset(str(e.value) for e in given.elts if isinstance(e, ast.Constant))


@cache
def defined() -> tuple[Metric, ...]:
    """Every prometheus_client metric constructed with a literal name in the sources."""
    found = []
    for path in sorted([*REPO.glob("libs/*/src/**/*.py"), *REPO.glob("services/*/src/**/*.py")]):
        for node in ast.walk(ast.parse(path.read_text())):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)):
                continue
            first = node.args[0] if node.args else None
            if node.func.id in KINDS and isinstance(first, ast.Constant):
                found.append(Metric(str(first.value), KINDS[node.func.id], _labels(node)))
    return tuple(found)


@cache
def series() -> dict[str, Metric]:
    """Every series name a scrape can return -> the metric it belongs to."""
    names: dict[str, Metric] = {}
    for metric in (*defined(), *PLANNED, *BUILTIN):
        base = metric.name.removesuffix("_total") if metric.kind == "counter" else metric.name
        names |= {base + suffix: metric for suffix in SUFFIXES[metric.kind]}
    return names


def selectors(query: str) -> list[tuple[str, set[str]]]:
    """(metric name, label names matched) of every vector selector in a PromQL query."""
    found: list[tuple[str, set[str]]] = []

    def visit(node: promql_parser.Expr) -> None:
        if isinstance(node, promql_parser.VectorSelector):
            labels = {m.name for m in node.matchers.matchers}
            found.append((node.name or "", labels))

    promql_parser.walk(promql_parser.parse(query), pre_visit=visit)
    return found


def unknown_references(query: str) -> list[str]:
    """Metrics a query reads that nothing defines, and labels those metrics do not have."""
    problems = []
    for name, labels in selectors(query):
        metric = series().get(name)
        if metric is None:
            problems.append(f"unknown metric {name!r}")
            continue
        allowed = metric.labels | TARGET_LABELS | ({"le"} if name.endswith("_bucket") else set())
        problems += [f"{name} has no label {label!r}" for label in sorted(labels - allowed)]
    return problems


# The series users' latency and errors are read from: a query of them must leave out the
# routes no user waits for (tessera_common.observability.kpis.UNMEASURED_ROUTES).
HTTP_SERIES = frozenset(
    {
        "tessera_http_requests_total",
        "tessera_http_errors_total",
        "tessera_http_request_duration_seconds_bucket",
    }
)


def route_exclusions(query: str) -> list[str | None]:
    """For each selector of an HTTP series in `query`: the regex its `route!~` leaves out."""
    found: list[str | None] = []

    def visit(node: promql_parser.Expr) -> None:
        if isinstance(node, promql_parser.VectorSelector) and node.name in HTTP_SERIES:
            excluded = [
                m.value
                for m in node.matchers.matchers
                if m.name == "route" and m.op == promql_parser.MatchOp.NotRe
            ]
            found.append(excluded[0] if excluded else None)

    promql_parser.walk(promql_parser.parse(query), pre_visit=visit)
    return found
