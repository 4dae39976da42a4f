"""Commands through the edge with tenant keys: user creation alone, then the mix (create
user, PATCH tenant with If-Match, issue a key), at fixed rates over a set of tenants; and
for created users, the time from the command's acknowledgement to the first read that
returns them."""

from __future__ import annotations

import uuid
from typing import Any

import asyncpg

from tessera_bench.figures import Figure
from tessera_bench.fixtures import FixtureTenant, Population
from tessera_bench.load import Session, per_request
from tessera_bench.loadgen import Plan, Step
from tessera_common.db.urls import asyncpg_dsn

CREATE_USER = {"create_user": 1.0}
MIX = {"create_user": 1.0, "patch_tenant": 1.0, "issue_key": 1.0}
TARGETS = {
    "create_user": ("p99 ≤ 60 ms at 100/s", 60.0),
    "mix": ("p99 ≤ 80 ms at 100/s", 80.0),
}


async def versions(session: Session, tenants: list[FixtureTenant]) -> dict[str, int]:
    """Each tenant's current version, from its shard (what a first If-Match must name)."""
    by_shard: dict[str, list[uuid.UUID]] = {}
    for tenant in tenants:
        by_shard.setdefault(tenant.shard, []).append(uuid.UUID(tenant.tenant_id))
    found: dict[str, int] = {}
    servers = {server.name: server.url for server in session.layout.shards}
    for shard, ids in by_shard.items():
        conn = await asyncpg.connect(asyncpg_dsn(f"{servers[shard]}/accounts"))
        try:
            rows = await conn.fetch("SELECT id, version FROM tenants WHERE id = ANY($1)", ids)
        finally:
            await conn.close()
        found.update({str(row["id"]): row["version"] for row in rows})
    return found


async def _plan(
    session: Session, tenants: list[FixtureTenant], mix: dict[str, float], seed: int
) -> Plan:
    current = await versions(session, tenants)
    return Plan(
        "commands", session.layout.public_url, seed,
        {
            "mix": mix, "visibility_sample": session.budget.visibility_sample,
            "run_id": uuid.uuid4().hex[:10],
            "tenants": [
                {"tenant_id": t.tenant_id, "api_key": t.api_key, "version": current[t.tenant_id]}
                for t in tenants
            ],
        },
    )  # fmt: skip


async def command_figures(session: Session, population: Population, seed: int) -> list[Figure]:
    tenants = population.tenants[: session.budget.command_tenants]
    figures: list[Figure] = []
    for name, mix, title in (("create_user", CREATE_USER, "create user"),
                             ("mix", MIX, "command mix")):  # fmt: skip
        for rate in session.budget.command_rates:
            plan = await _plan(session, tenants, mix, seed)
            step = Step(f"commands.{name}.{rate:g}", rate=rate, seconds=session.budget.open_seconds)
            result, used = await session.step(plan, step)
            figures += _figures(name, title, rate, result, used=used, tenants=len(tenants))
        plan = await _plan(session, tenants, mix, seed)
        plan.options["visibility_sample"] = 0.0  # saturation: commands only
        peak = await session.saturation(
            plan, f"commands.{name}.peak", "commands", f"{title}, peak (saturation ramp)",
            workers=(4, 16, 32) if not session.budget.quick else (8,),
            baseline="baseline.pgbench.insert",
        )  # fmt: skip
        figures.append(peak)
    return figures


def _figures(
    name: str, title: str, rate: float, result: dict[str, Any], *, used: dict[str, float],
    tenants: int,
) -> list[Figure]:  # fmt: skip
    figure = Figure.from_step(
        f"commands.{name}.open.{rate:g}", "commands",
        f"{title}, {rate:g}/s open loop over {tenants} tenants", result,
        baseline="baseline.fastapi.open.300", compare="p99",
    )  # fmt: skip
    figure.cpu_ms_per_request = per_request(used, result["ok"])
    operations = result.get("by_operation") or {}
    figure.notes = ", ".join(
        f"{op} p99 {summary['p99']:.0f} ms" for op, summary in sorted(operations.items())
    )
    if result["conflicts"]:
        figure.notes += f"; {result['conflicts']} conflicts (409/412)"
    if rate == 100:
        figure.target, limit = TARGETS[name]
        figure.met = (figure.p99_ms or 1e9) <= limit and not figure.error_rate
    figures = [figure]
    visibility = result.get("visibility_ms")
    missed = result.get("visibility_timeouts", 0)
    if visibility and visibility["count"]:
        seen = Figure(
            f"visibility.{name}.{rate:g}", "visibility",
            f"created user → visible in the read model, {title} at {rate:g}/s", "reads",
            offered=rate, p50_ms=visibility["p50"], p99_ms=visibility["p99"],
            p999_ms=visibility["p99_9"], requests=visibility["count"],
            error_rate=missed / (visibility["count"] + missed),
            baseline="baseline.kafka.end_to_end", compare="p99",
            notes=f"{visibility['count']} sampled users, polled every 5 ms backing off to 50 ms",
        )  # fmt: skip
        if rate == 100:
            seen.target = "p50 ≤ 50 ms, p99 ≤ 250 ms at 100/s"
            seen.met = visibility["p50"] <= 50 and visibility["p99"] <= 250
        figures.append(seen)
    return figures
