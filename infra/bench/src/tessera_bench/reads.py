"""Reads through the edge with tenant keys, Zipf(1.1) over the population: the cached
profile at fixed rates and to saturation, with the hit ratio of every cache layer;
then the operator's directory and the usage query."""

from __future__ import annotations

from dataclasses import dataclass

from tessera_bench import metrics
from tessera_bench.figures import Figure
from tessera_bench.fixtures import Population
from tessera_bench.load import Session
from tessera_bench.loadgen import Plan, Step
from tessera_stack.edge import EdgeServer, cache_statistics

PROFILE = "/v1/tenants/{tenant_id}"
DIRECTORY_QUERIES = (
    "limit=50", "region=eu-west&limit=50", "plan=enterprise&limit=20", "status=active&limit=50",
    "q=Bench%20tenant%2012&limit=20", "region=us-east&plan=enterprise&limit=50",
)  # fmt: skip


@dataclass
class ReadResults:
    figures: list[Figure]
    cache_layers: list[dict[str, object]]


def _tenants(population: Population) -> list[dict[str, str]]:
    return [{"tenant_id": t.tenant_id, "api_key": t.api_key} for t in population.tenants]


def profile_plan(session: Session, population: Population, seed: int) -> Plan:
    return Plan(
        "get", session.layout.public_url, seed,
        {"path": PROFILE, "auth": "tenant", "zipf_s": 1.1, "tenants": _tenants(population)},
    )  # fmt: skip


async def profile_reads(session: Session, population: Population, seed: int) -> ReadResults:
    plan = profile_plan(session, population, seed)
    budget = session.budget
    session.progress(f"reads: warming the caches for {budget.warmup_seconds:g}s")
    await session.step(plan, Step("reads.warmup", rate=300, seconds=budget.warmup_seconds))
    edge = EdgeServer(session.layout)
    edge_before = cache_statistics(edge.access_log, "/v1/tenants/")
    before = metrics.scrape(session.layout)
    figures = []
    for rate in budget.read_rates:
        figure = await session.open_loop(
            plan, rate, f"reads.profile.open.{rate:g}", "reads",
            f"cached tenant read, {rate:g} req/s open loop", baseline="baseline.fastapi.open.300",
            compare="p99",
        )  # fmt: skip
        if rate == 300:
            figure.target, figure.met = "p99 ≤ 15 ms", (figure.p99_ms or 1e9) <= 15
        figures.append(figure)
    window = metrics.scrape(session.layout).since(before)
    edge_after = cache_statistics(edge.access_log, "/v1/tenants/")
    peak = await session.saturation(
        plan, "reads.profile.peak", "reads", "cached tenant read, peak (saturation ramp)",
        baseline="baseline.fastapi.peak",
    )  # fmt: skip
    peak.target = "≥ 1,500 req/s, 0 errors, ≥ 0.25 × FastAPI hello"
    peak.met, peak.ratio_floor = (peak.throughput or 0) >= 1_500 and not peak.error_rate, 0.25
    figures.append(peak)
    layers = [
        {"layer": "edge (NGINX)", "hits": edge_after.hits - edge_before.hits,
         "misses": edge_after.misses - edge_before.misses,
         "note": "tenant reads are private: the edge caches public responses only"},
    ] + [
        {"layer": f"{layer.service} {layer.layer}", "hits": layer.hits, "misses": layer.misses}
        for layer in metrics.cache_layers(window)
    ]  # fmt: skip
    for layer in layers:
        looked_up = float(layer["hits"]) + float(layer["misses"])  # type: ignore[arg-type]
        layer["ratio"] = float(layer["hits"]) / looked_up if looked_up else None  # type: ignore[arg-type]
    return ReadResults(figures, layers)


async def directory_reads(session: Session, seed: int) -> list[Figure]:
    """The operator's directory across every shard: filters, trigram search, pages."""
    plan = Plan(
        "get", session.layout.public_url, seed,
        {"path": "/v1/tenants", "auth": "operator", "queries": list(DIRECTORY_QUERIES),
         "operator_key": session.operator_key},
    )  # fmt: skip
    return await _rate_and_peak(session, plan, "directory", "directory page (operator)", 100)


async def usage_reads(session: Session, population: Population, seed: int) -> list[Figure]:
    """A tenant's usage by meter and hour over the last 24 h, Zipf over the population."""
    plan = profile_plan(session, population, seed)
    plan.options["path"] = "/v1/tenants/{tenant_id}/usage"
    return await _rate_and_peak(session, plan, "usage", "usage query (24 h by hour)", 300)


# Set from this machine's measurements (docs/performance.md says why): a page of the
# directory or a usage query is one indexed query of the read DB behind the same stack.
TARGETS = {"directory": 50.0, "usage": 50.0}  # p99 ms at the step's rate


async def _rate_and_peak(
    session: Session, plan: Plan, name: str, title: str, rate: float
) -> list[Figure]:
    at_rate = await session.open_loop(
        plan, rate, f"reads.{name}.open.{rate:g}", "reads", f"{title}, {rate:g} req/s",
        baseline="baseline.fastapi.open.300", compare="p99",
    )  # fmt: skip
    at_rate.target = f"p99 ≤ {TARGETS[name]:g} ms at {rate:g} req/s"
    at_rate.met = (at_rate.p99_ms or 1e9) <= TARGETS[name] and not at_rate.error_rate
    peak = await session.saturation(
        plan, f"reads.{name}.peak", "reads", f"{title}, peak", baseline="baseline.fastapi.peak"
    )
    return [at_rate, peak]
