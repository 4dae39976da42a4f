"""The scale curve: what one more instance buys on this machine. Query instances 1 → 2
(peak profile reads), projector workers 1 → 2 (catch-up over a backlog), and shards
2 → 3 (ingest spread over us-east's two shards, then over every region's three)."""

from __future__ import annotations

import asyncio
import time
import uuid

import httpx
from aiokafka.admin import AIOKafkaAdminClient

from projector.settings import WorkerSettings
from tessera_bench.figures import Figure
from tessera_bench.fixtures import Population, create_tenants
from tessera_bench.ingest import ingest_plan, ingest_step
from tessera_bench.lag import ProjectorLag
from tessera_bench.load import Session
from tessera_bench.reads import profile_plan
from tessera_common.observability.exposition import Scrape
from tessera_stack.layout import HOST, StackLayout
from tessera_stack.processes import ManagedProcess
from tessera_stack.services import Instance, service_command, service_process, start_instance
from tessera_stack.stack import LocalStack

HEALTH_SETTLE_SECONDS = 4.0  # two of the gateway's health-check rounds
SECOND_WORKER_PORT_SHIFT = 60


def _ratio(key: str, title: str, one: Figure, two: Figure, notes: str) -> Figure:
    ratio = (two.throughput or 0) / one.throughput if one.throughput else None
    return Figure(
        key, "scale", title, "×", throughput=ratio,
        requests=(one.requests or 0) + (two.requests or 0),
        notes=f"{one.throughput or 0:,.0f} → {two.throughput or 0:,.0f} {one.unit}; {notes}",
    )  # fmt: skip


async def query_instances(
    session: Session, population: Population, seed: int, workers: int
) -> list[Figure]:
    layout, stack = session.layout, LocalStack(session.layout)
    plan = profile_plan(session, population, seed)
    second = Instance("query", 1, layout.instance_ports["query"][1])
    service_process(layout, second.name).stop()
    try:
        await asyncio.sleep(HEALTH_SETTLE_SECONDS)
        one = await session.saturation(
            plan, "scale.query.1", "scale", "peak reads, 1 query instance", workers=(workers,)
        )
    finally:
        await asyncio.to_thread(start_instance, layout, stack.environment, second)
    await asyncio.sleep(HEALTH_SETTLE_SECONDS)
    two = await session.saturation(
        plan, "scale.query.2", "scale", "peak reads, 2 query instances", workers=(workers,)
    )
    return [
        one,
        two,
        _ratio("scale.query", "query instances 1 → 2", one, two, f"{workers} clients"),
    ]


async def _backlog(session: Session, lag: ProjectorLag, count: int) -> int:
    """Tenants created while no worker runs: two events each wait on accounts.events."""
    await create_tenants(0, f"backlog-{uuid.uuid4().hex[:8]}", count, lambda _: None)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:  # until the relays have published every row
        behind = (await lag.measure())["total"]
        if behind >= 2 * count:
            return behind
        await asyncio.sleep(0.5)
    return (await lag.measure())["total"]


async def _catch_up(
    session: Session, lag: ProjectorLag, workers: list[ManagedProcess], env: dict[str, str]
) -> Figure:
    """The workers' apply rate over a backlog, from their first applied batch (start-up is
    not their throughput) until 90 % of the backlog is applied. The workers start together,
    but one joins the group first and begins alone: the later joins, and the rebalances they
    bring, fall inside the measure, as they do for an operator adding a worker to a lagging
    group. Counted by the workers' own counters (commits lag the work by seconds), and only
    to 90 %: the last events trickle in at the pace billing's choreography publishes them,
    which is not the workers' speed."""
    behind = await _backlog(session, lag, session.budget.backlog_tenants)
    layout = session.layout
    urls = []
    for index, worker in enumerate(workers):
        port = layout.service_ports["projector"] + index * SECOND_WORKER_PORT_SHIFT
        worker.start(service_command("projector", port), env={
            **env, "PROJECTOR_WEB_PORT": str(port), "SERVICE_INSTANCE": f"projector-{index}",
        }, cwd=layout.root)  # fmt: skip
        urls.append(f"http://{HOST}:{port}")
    wanted = 0.9 * behind
    deadline = time.monotonic() + 180
    first: tuple[float, float] | None = None  # the first batch landed
    seconds = done = None
    so_far = 0.0
    while time.monotonic() < deadline:
        so_far = await _applied(urls)  # fresh processes: their counters start at zero
        if first is None and so_far > 0:
            first = (time.monotonic(), so_far)
        if first is not None and so_far >= wanted:
            seconds, done = time.monotonic() - first[0], so_far - first[1]
            break
        await asyncio.sleep(0.05)
    members = await _group_members(layout)
    rate = done / seconds if done and seconds else None
    return Figure(
        f"scale.projector.{len(workers)}", "scale",
        f"projector apply rate over a backlog, {len(workers)} worker(s)", "events/s",
        throughput=rate, requests=int(so_far),
        notes=f"{behind:,} events behind; "
        + (f"{done:,.0f} applied in {seconds:.1f}s" if done and seconds else "no rate measured")
        + f"; {members} member(s) in the group at the end",
    )  # fmt: skip


async def _group_members(layout: StackLayout) -> int:
    """How many workers the projector group holds now."""
    admin = AIOKafkaAdminClient(bootstrap_servers=layout.kafka_bootstrap)
    await admin.start()
    try:
        (response,) = await admin.describe_consumer_groups([WorkerSettings().group_id])
        (group,) = response.to_object()["groups"]
        return len(group["members"])
    finally:
        await admin.close()


async def _applied(urls: list[str]) -> float:
    """Events applied so far, summed over the workers (tessera_projector_events_applied_total);
    a worker whose page does not answer yet is still starting, and has applied nothing."""
    total = 0.0
    async with httpx.AsyncClient(timeout=5) as client:
        for url in urls:
            try:
                text = (await client.get(f"{url}/metrics")).text
            except httpx.TransportError:
                continue
            total += Scrape.parse(text).total("tessera_projector_events_applied_total")
    return total


async def projector_workers(session: Session) -> list[Figure]:
    layout, stack = session.layout, LocalStack(session.layout)
    env = stack.environment
    first = service_process(layout, "projector")
    second = ManagedProcess(
        "service-projector-1",
        layout.pids_dir / "projector-1.pid",
        layout.logs_dir / "projector-1.log",
    )
    lag = ProjectorLag(layout)
    try:
        first.stop()
        one = await _catch_up(session, lag, [first], env)
        first.stop()
        two = await _catch_up(session, lag, [first, second], env)
    finally:
        second.stop()
        await lag.close()
        if not first.running():
            await asyncio.to_thread(
                start_instance,
                layout,
                env,
                Instance("projector", 0, layout.service_ports["projector"]),
            )
    return [
        one,
        two,
        _ratio("scale.projector", "projector workers 1 → 2", one, two, "apply rate over a backlog"),
    ]


async def shards(session: Session, population: Population, seed: int) -> list[Figure]:
    lag = ProjectorLag(session.layout)
    try:
        us_east = population.in_regions(["us-east"])[:20]
        every = population.tenants[:30]
        one, _ = await ingest_step(
            session, lag, ingest_plan(session, us_east, 1_000, seed), key="scale.shards.2",
            title="ingest over 2 shards (us-east)", group="scale",
        )  # fmt: skip
        two, _ = await ingest_step(
            session, lag, ingest_plan(session, every, 1_000, seed), key="scale.shards.3",
            title="ingest over 3 shards (every region)", group="scale",
        )  # fmt: skip
    finally:
        await lag.close()
    return [one, two, _ratio("scale.shards", "shards 2 → 3 (ingest)", one, two, "batches of 1,000")]
