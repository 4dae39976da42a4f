"""The KPIs of docs/kpis.md measured from scraped metrics, and judged against each stage."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from tessera_common.observability.exposition import (
    LabelFilter,
    Labels,
    Scrape,
    histogram_quantile,
)

STAGES = ("1k", "100k", "1M")
# Probes, scrapes and the status page (polled every few seconds) are not what users wait
# for. Dashboards and alerts leave out the same routes: `route!~"<UNMEASURED_ROUTES_REGEX>"`.
UNMEASURED_ROUTES = frozenset({"/healthz", "/readyz", "/metrics", "/status", "/status.json"})
UNMEASURED_ROUTES_REGEX = "|".join(sorted(UNMEASURED_ROUTES))
EDGE = "gateway"


@dataclass(frozen=True)
class Kpi:
    key: str
    title: str
    unit: Literal["s", "ratio"]
    better: Literal["below", "above"]
    targets: tuple[float, float, float]  # per stage, in STAGES order

    def passes(self, value: float) -> tuple[bool, ...]:
        if self.better == "below":
            return tuple(value < target for target in self.targets)
        return tuple(value > target for target in self.targets)


KPIS = (
    Kpi("p99_latency", "P99 latency", "s", "below", (0.200, 0.150, 0.100)),
    Kpi("error_rate", "error rate", "ratio", "below", (0.01, 0.001, 0.0001)),
    Kpi("db_query_p99", "DB query time (p99)", "s", "below", (0.050, 0.020, 0.010)),
    Kpi("cache_hit_ratio", "cache hit ratio", "ratio", "above", (0.80, 0.90, 0.95)),
    # No per-stage column in the KPI table: the read-your-writes budget of
    # docs/performance.md holds at every stage.
    Kpi("projection_lag_p99", "projection lag (p99)", "s", "below", (0.250, 0.250, 0.250)),
    # The age at which the outbox alert pages, at every stage.
    Kpi("outbox_age_max", "outbox oldest unsent", "s", "below", (60.0, 60.0, 60.0)),
)


def _labelled(**wanted: str) -> LabelFilter:
    """A filter keeping the series whose labels have these values."""

    def match(labels: Labels) -> bool:
        return all(labels.get(name) == value for name, value in wanted.items())

    return match


def _served(labels: Labels) -> bool:
    return labels.get("route") not in UNMEASURED_ROUTES


def _at_edge(labels: Labels) -> bool:
    return labels.get("service") == EDGE and _served(labels)


def _edge_filter(scrape: Scrape) -> LabelFilter:
    """The gateway's routes when it reports any (what users see), else every service's."""
    has_edge = scrape.total("tessera_http_requests_total", _at_edge) > 0
    return _at_edge if has_edge else _served


def p99_latency(scrape: Scrape) -> float | None:
    where = _edge_filter(scrape)
    return histogram_quantile(0.99, scrape.buckets("tessera_http_request_duration_seconds", where))


def error_rate(scrape: Scrape) -> float | None:
    where = _edge_filter(scrape)
    requests = scrape.total("tessera_http_requests_total", where)
    return scrape.total("tessera_http_errors_total", where) / requests if requests else None


def cache_hit_ratio(scrape: Scrape) -> float | None:
    """Reads a cache answered over reads, per service and cache: a miss of l1 is looked up
    in l2 (one cache in two layers); any other layer (the gateway's kept answers) is a
    cache of its own."""
    answered = reads = 0.0
    lookups = "tessera_cache_lookups_total"
    for service in scrape.label_values(lookups, "service"):
        layers = {
            s.labels["layer"] for s in scrape.select(lookups) if s.labels.get("service") == service
        }
        tiered = sorted(layers & _TIERS)
        caches = [tiered] if tiered else []
        caches += [[layer] for layer in sorted(layers - _TIERS)]
        for cache in caches:
            reads += scrape.total(lookups, _labelled(service=service, layer=cache[0]))
            answered += sum(
                scrape.total(lookups, _labelled(service=service, layer=layer, result="hit"))
                for layer in cache
            )
    return answered / reads if reads else None


_TIERS = frozenset({"l1", "l2"})


def projection_lag_p99(scrape: Scrape) -> float | None:
    """The slowest read model's p99 lag from an event's occurrence to its effect."""
    lags = [
        histogram_quantile(
            0.99, scrape.buckets("tessera_projection_lag_seconds", _labelled(read_model=model))
        )
        for model in scrape.label_values("tessera_projection_lag_seconds_bucket", "read_model")
    ]
    found = [lag for lag in lags if lag is not None]
    return max(found) if found else None


def measure(scrape: Scrape) -> dict[str, float | None]:
    """Every KPI's value (None where nothing was observed yet)."""
    return {
        "p99_latency": p99_latency(scrape),
        "error_rate": error_rate(scrape),
        "db_query_p99": histogram_quantile(
            0.99, scrape.buckets("tessera_db_query_duration_seconds")
        ),
        "cache_hit_ratio": cache_hit_ratio(scrape),
        "projection_lag_p99": projection_lag_p99(scrape),
        "outbox_age_max": scrape.maximum("tessera_outbox_oldest_unsent_age_seconds"),
    }


CONSUMER_LAG = "tessera_consumer_lag_messages"
PROJECTOR = "tessera-projector"  # the projector's consumer group (PROJECTOR_GROUP_ID's default)


def lags(scrape: Scrape) -> dict[str, float]:
    """Consumer lag in messages: the projector's group and the choreography consumers."""

    def projector(labels: Labels) -> bool:
        return labels.get("consumer") == PROJECTOR

    return {
        "projector": scrape.total(CONSUMER_LAG, projector),
        "choreography": scrape.total(CONSUMER_LAG, lambda labels: not projector(labels)),
    }


def report(scrape: Scrape) -> dict[str, Any]:
    """The KPI table as data: value and pass/fail per stage, plus consumer lags."""
    values = measure(scrape)
    return {"kpis": [kpi_row(kpi, values[kpi.key]) for kpi in KPIS], "lags": lags(scrape)}


def kpi_row(kpi: Kpi, value: float | None) -> dict[str, Any]:
    """One row of the table as data: the value, and each stage's target and verdict."""
    verdicts = kpi.passes(value) if value is not None else (None,) * len(STAGES)
    return {
        "key": kpi.key, "title": kpi.title, "unit": kpi.unit, "better": kpi.better,
        "value": value,
        "stages": {
            stage: {"target": target, "pass": verdict}
            for stage, target, verdict in zip(STAGES, kpi.targets, verdicts, strict=True)
        },
    }  # fmt: skip


COST_TARGETS = (2.50, 0.50, 0.08)  # $ per user per month, per stage (docs/kpis.md)
STAGE_USERS = {"1k": 1_000, "100k": 100_000, "1M": 1_000_000}


def cost_row(cost: dict[str, Any] | None) -> dict[str, Any]:
    """The infra cost per user of each stage, from a benchmark run's cost model (`make
    bench`): measured CPU per operation, a stated traffic profile, a price table."""
    by_users = {s["users"]: s for s in (cost or {}).get("stages", [])} if cost else {}
    stages = {}
    for stage, target in zip(STAGES, COST_TARGETS, strict=True):
        found = by_users.get(STAGE_USERS[stage])
        value = found["usd_per_user_month"] if found else None
        stages[stage] = {
            "target": target, "value": value, "pass": None if value is None else value <= target,
        }  # fmt: skip
    return {
        "key": "cost_per_user", "title": "infra cost per user", "unit": "usd", "better": "below",
        "value": stages["1M"]["value"], "stages": stages,
    }  # fmt: skip


# Measured by the fault suite (`make chaos`), not scraped: docs/kpis.md's targets.
UPTIME = Kpi("uptime", "uptime (fault suite)", "ratio", "above", (0.999, 0.9995, 0.9999))
MTTR = Kpi("mttr", "MTTR (fault suite)", "s", "below", (3600.0, 900.0, 300.0))


def uptime_row(chaos: dict[str, Any] | None) -> dict[str, Any]:
    """Uptime under injected faults, from the last fault suite's run: the share of seconds
    in which no client request failed (None without a run)."""
    return kpi_row(UPTIME, chaos.get("uptime") if chaos else None)


def mttr_row(chaos: dict[str, Any] | None) -> dict[str, Any]:
    """Mean time to recover, from the last fault suite's run: from a fault's heal to every
    read model equal to the shards with no consumer lag (None without a run)."""
    return kpi_row(MTTR, chaos.get("mttr_seconds") if chaos else None)


def formatted(value: float | None, unit: str) -> str:
    if value is None:
        return "—"
    if unit == "usd":
        return f"${value:.4f}" if value < 0.1 else f"${value:.2f}"
    if unit == "s":
        return f"{value:.1f} s" if value >= 1 else f"{value * 1000:.1f} ms"
    return f"{value * 100:.2f} %"
