"""Usage ingest through the edge in batches of 1,000 and 10,000 records, in records stored
per second, with the projector's lag sampled throughout and until it has drained."""

from __future__ import annotations

from collections.abc import Sequence

from tessera_bench.figures import Figure
from tessera_bench.fixtures import FixtureTenant, Population
from tessera_bench.lag import LagSamples, ProjectorLag
from tessera_bench.load import Session
from tessera_bench.loadgen import Plan, Step

WORKERS = 4  # concurrent batches: enough to keep every shard busy
DRAIN_SECONDS = 120


def ingest_plan(session: Session, tenants: Sequence[FixtureTenant], batch: int, seed: int) -> Plan:
    return Plan(
        "ingest", session.layout.public_url, seed,
        {"batch_size": batch, "timeout_seconds": 60,
         "tenants": [{"tenant_id": t.tenant_id, "api_key": t.api_key} for t in tenants]},
    )  # fmt: skip


async def ingest_step(
    session: Session, lag: ProjectorLag, plan: Plan, *, key: str, title: str, group: str = "ingest"
) -> tuple[Figure, LagSamples]:
    """One closed-loop ingest step; its figure counts records accepted, not requests."""
    step = Step(key, workers=WORKERS, seconds=session.budget.ingest_seconds)
    async with lag.sampling() as samples:
        result, used = await session.step(plan, step)
    drained = await lag.drained(samples, DRAIN_SECONDS)
    figure = Figure.from_step(key, group, title, result, unit="records/s")
    figure.throughput = result["records_per_second"]
    records = result["records_accepted"]
    figure.cpu_ms_per_request = {
        name: round(seconds * 1000 * 1000 / records, 3) for name, seconds in sorted(used.items())
        if seconds > 0 and records
    }  # fmt: skip
    behind = f"projector lag peaked at {samples.peak} events, " + (
        f"drained {drained:.1f}s after the load" if drained is not None
        else f"still {samples.last} behind {DRAIN_SECONDS}s after the load"
    )  # fmt: skip
    figure.notes = f"{WORKERS} clients; CPU per 1,000 records; {behind}"
    return figure, samples


async def ingest_figures(
    session: Session, population: Population, seed: int
) -> tuple[list[Figure], list[dict[str, object]]]:
    lag = ProjectorLag(session.layout)
    figures: list[Figure] = []
    timeline: list[dict[str, object]] = []
    tenants = population.tenants[:30]  # hot tenants of every region
    try:
        for batch in session.budget.ingest_batches:
            plan = ingest_plan(session, tenants, batch, seed)
            figure, samples = await ingest_step(
                session,
                lag,
                plan,
                key=f"ingest.batch.{batch}",
                title=f"usage ingest, batches of {batch:,}",
            )
            figure.baseline, figure.target = (
                "baseline.postgres.copy",
                "≥ 40,000 records/s, ≥ 0.30 × COPY",
            )
            figure.met, figure.ratio_floor = (figure.throughput or 0) >= 40_000, 0.30
            figures.append(figure)
            timeline += [{**point, "step": figure.key} for point in samples.points]
    finally:
        await lag.close()
    return figures, timeline
