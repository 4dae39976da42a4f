"""One benchmark run: baselines, then every scenario, then the report."""

from __future__ import annotations

import asyncio
import os
import time
import uuid
from dataclasses import asdict
from pathlib import Path
from typing import Any

from tessera_bench import baselines, cost, plots, report
from tessera_bench.budget import Budget
from tessera_bench.commands import command_figures
from tessera_bench.figures import Figure, relate
from tessera_bench.fixtures import population
from tessera_bench.idle import idle_figure
from tessera_bench.ingest import ingest_figures
from tessera_bench.kafka_tools import perf_tools_classpath
from tessera_bench.lag import settle
from tessera_bench.load import Session
from tessera_bench.reads import directory_reads, profile_reads, usage_reads
from tessera_bench.replay import replay_figure
from tessera_bench.scale import projector_workers, query_instances, shards
from tessera_bench.tracing import tracing_cost
from tessera_common.events.topics import ACCOUNTS_EVENTS
from tessera_stack.layout import REPO_ROOT, StackLayout
from tessera_stack.progress import console
from tessera_stack.stack import LocalStack

GROUPS = ("idle", "baselines", "reads", "tracing", "commands", "ingest", "replay", "scale")


def _progress(message: str) -> None:
    console.print(f"[dim]{time.strftime('%H:%M:%S')}[/] {message}", highlight=False)


async def run(
    budget: Budget, seed: int, out: Path | None, only: frozenset[str] = frozenset(GROUPS)
) -> Path:
    """Run everything against the local stack (started and stopped here if it is not up);
    returns the report's path."""
    layout = StackLayout()
    stack = LocalStack(layout)
    # The stack's own commands run their own event loops: off this one.
    states = [state for _, _, state in await asyncio.to_thread(stack.status)]
    started_here = all(state != "up" for state in states)  # stopped after, as it was found
    if any(state != "up" for state in states):
        _progress(
            "starting what is not running of the stack"
            + (" (for this run only)" if started_here else "")
        )
        await asyncio.to_thread(stack.up)
    env = stack.environment
    os.environ.update(env)  # the fixture loader and the replay read the services' settings
    session = Session(layout, budget, _progress, env["TESSERA_OPERATOR_KEY"])
    run_id = f"{time.strftime('%Y%m%d-%H%M%S')}-{uuid.uuid4().hex[:6]}"
    try:
        document = await _measure(session, seed, only)
    finally:
        if started_here:
            _progress("stopping the stack this run started")
            await asyncio.to_thread(stack.down)
    return _publish(document, session, run_id, out)


async def _settled(layout: StackLayout) -> None:
    seconds = await settle(layout, _progress)
    if seconds is not None and seconds >= 1:
        _progress(f"  consumers settled after {seconds:.0f}s")


async def _measure(session: Session, seed: int, only: frozenset[str]) -> dict[str, Any]:
    budget, layout = session.budget, session.layout
    tenants = await population(
        layout.run_dir, os.environ["READ_DB_URL"], seed, budget.tenants, _progress
    )
    base: list[Figure] = []
    figures: list[Figure] = []
    cache_layers: list[dict[str, object]] = []
    lag_timeline: list[dict[str, object]] = []
    if "idle" in only:
        await _settled(layout)
        _progress(f"idle: the stack's CPU over {budget.idle_seconds:.0f}s with no traffic")
        figures.append(await idle_figure(session, budget.idle_seconds))
    if "baselines" in only:
        await _settled(layout)
        base += await baselines.http_baselines(session)
        _progress("baseline: redis-benchmark, pgbench, COPY, Kafka's perf tools")
        base.append(await baselines.redis_get(layout, budget))
        base.append(await baselines.pgbench_insert(layout, budget))
        base.append(await baselines.copy_rows(layout, budget))
        base += await baselines.kafka_tools(layout, budget, perf_tools_classpath(layout))
    if "reads" in only:
        await _settled(layout)
        reads = await profile_reads(session, tenants, seed)
        figures += reads.figures
        cache_layers = reads.cache_layers
        figures += await directory_reads(session, seed)
        figures += await usage_reads(session, tenants, seed)
    peak = next((f for f in figures if f.key == "reads.profile.peak"), None)
    peak_workers = (peak and peak.workers) or 32
    if "tracing" in only:
        await _settled(layout)
        figures += await tracing_cost(session, tenants, seed, peak_workers)
    if "commands" in only:
        await _settled(layout)
        figures += await command_figures(session, tenants, seed)
    if "ingest" in only:
        await _settled(layout)
        ingest, lag_timeline = await ingest_figures(session, tenants, seed)
        figures += ingest
    if "replay" in only:
        await _settled(layout)
        base.append(await baselines.aiokafka_consume(layout, ACCOUNTS_EVENTS))
        figures.append(await replay_figure(session, "accounts", ACCOUNTS_EVENTS))
    if "scale" in only:
        await _settled(layout)
        figures += await query_instances(session, tenants, seed, peak_workers)
        figures += await projector_workers(session)
        figures += await shards(session, tenants, seed)
    relate(figures, {b.key: b for b in base})
    return {
        "run": {
            "date": report.now(),
            "commit": report.commit(),
            "machine": report.machine(),
            "quick": budget.quick,
            "seed": seed,
            "tenants": len(tenants.tenants),
            "loadgen_cpu_share": session.loadgen_share,
            "budget": asdict(budget),
            "scenarios": [group for group in GROUPS if group in only],
        },
        "figures": [asdict(f) for f in figures],
        "baselines": [asdict(b) for b in base],
        "cache_layers": cache_layers,
        "lag_timeline": lag_timeline,
        "cost": cost.cost_per_user(figures, cost.load_model()),
        "steps": session.steps,
    }


def _publish(document: dict[str, Any], session: Session, run_id: str, out: Path | None) -> Path:
    runs = session.layout.run_dir / "bench" / "runs"
    json_path = runs / f"{run_id}.json"
    if out is None:
        out = session.layout.run_dir / "bench" / "quick" if session.budget.quick else REPO_ROOT
    plot_dir = out / "docs" / "benchmarks" if out == REPO_ROOT else out
    document["run"]["json"] = (
        str(json_path.relative_to(REPO_ROOT))
        if json_path.is_relative_to(REPO_ROOT)
        else str(json_path)
    )
    document["run"]["id"] = run_id
    figures = document["figures"] + document["baselines"]
    made = {
        "latency against offered load": plots.latency_vs_load(figures, plot_dir),
        "throughput against offered load": plots.throughput_vs_load(figures, plot_dir),
        "projection lag over time": plots.lag_over_time(document["lag_timeline"], plot_dir),
    }
    document["plots"] = {name: str(path) for name, path in made.items()}
    report.write(document, json_path)
    if set(document["run"]["scenarios"]) == set(GROUPS):  # a partial run is nobody's latest
        latest = "latest-quick.json" if session.budget.quick else "latest.json"
        report.write(document, runs.parent / latest)
    markdown = out / "BENCHMARKS.md"
    relative = {name: os.path.relpath(path, markdown.parent) for name, path in made.items()}
    markdown.write_text(
        report.render(
            {**document, "figures": document["baselines"] + document["figures"]}, relative
        )
    )
    _progress(f"report: {markdown}   json: {json_path}")
    return markdown
