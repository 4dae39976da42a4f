"""What tracing costs: peak profile reads with the sampler at its default (parent-based,
1 % of new traces), then with every request traced (spans made and ended, exported
nowhere), on the gateways and query instances restarted for the step."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping

from tessera_bench.figures import Figure
from tessera_bench.fixtures import Population
from tessera_bench.load import Session
from tessera_bench.reads import profile_plan
from tessera_stack.services import instances, service_process, start_instance
from tessera_stack.stack import LocalStack

TRACED = ("gateway", "query")
EVERY_REQUEST = {"OTEL_TRACES_SAMPLER": "parentbased_always_on"}
SETTLE_SECONDS = 4.0  # the gateways' health checks find the restarted instances


async def _restart(session: Session, extra: Mapping[str, str]) -> None:
    layout = session.layout
    env = {**LocalStack(layout).environment, **extra}
    for instance in instances(layout, TRACED):
        await asyncio.to_thread(service_process(layout, instance.name).stop)
        await asyncio.to_thread(start_instance, layout, env, instance)
    await asyncio.sleep(SETTLE_SECONDS)


async def tracing_cost(
    session: Session, population: Population, seed: int, workers: int
) -> list[Figure]:
    plan = profile_plan(session, population, seed)
    default = await session.saturation(
        plan, "tracing.default", "tracing", "peak reads, sampler at its default (1 %)",
        workers=(workers,),
    )  # fmt: skip
    await _restart(session, EVERY_REQUEST)
    try:
        every = await session.saturation(
            plan, "tracing.every", "tracing", "peak reads, every request traced",
            workers=(workers,),
        )  # fmt: skip
    finally:
        await _restart(session, {})
    gateway_cpu = [f.cpu_ms_per_request.get("gateway", 0.0) for f in (default, every)]
    ratio = (every.throughput or 0) / default.throughput if default.throughput else None
    return [
        default,
        every,
        Figure(
            "tracing",
            "tracing",
            "every request traced ÷ the default",
            "×",
            throughput=ratio,
            requests=(default.requests or 0) + (every.requests or 0),
            notes=f"gateway CPU per read {gateway_cpu[0]:.2f} → {gateway_cpu[1]:.2f} ms",
        ),
    ]
