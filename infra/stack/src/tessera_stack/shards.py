"""`make shard-add`: a new shard server in the local stack, with every service's schema,
registered in the shard topology and followed by every process without a restart."""

from __future__ import annotations

import asyncio
import json
import os
import re
import subprocess
import sys
import uuid
from dataclasses import dataclass

import asyncpg

from tessera_common.db.engines import create_engine
from tessera_common.db.topology import TopologyStore, read_topology
from tessera_common.db.urls import asyncpg_dsn
from tessera_common.resharding.following import followed_by
from tessera_common.sharding.topology import ShardTopology, TopologyError
from tessera_common.vocabulary import Region
from tessera_stack.layout import HOST, PostgresServer, remember_added_shard
from tessera_stack.migrations import SCHEMAS, run_migrations
from tessera_stack.progress import note, step
from tessera_stack.services import instances
from tessera_stack.stack import LocalStack

SHARD_NAME = re.compile(r"[a-z][a-z0-9-]{0,62}")
# The processes that follow the topology: every command service's instances.
FOLLOWERS = ("accounts", "billing", "usage")


@dataclass(frozen=True)
class ShardAdded:
    server: PostgresServer
    topology: ShardTopology
    followed_seconds: float  # from the version's publication until every process followed


async def current_topology(stack: LocalStack) -> ShardTopology:
    return await read_topology(stack.environment["DIRECTORY_DB_URL"])


def add_shard(
    stack: LocalStack, name: str, region: Region | None, dedicated_to: uuid.UUID | None = None
) -> ShardAdded:
    """Start `name`'s server, bring every shard schema to head on it, publish the topology
    with it (in `region`'s group for new tenants, or in none; kept for one tenant if
    `dedicated_to`), and wait until every process follows. A shard already in the
    topology is refused before anything starts."""
    if not SHARD_NAME.fullmatch(name):
        raise TopologyError(f"a shard's name is lower-case letters, digits and '-': {name!r}")
    topology = asyncio.run(current_topology(stack))
    if name in topology.servers:
        raise TopologyError(f"{name} is already a shard, at {topology.servers[name]}")
    server = remember_added_shard(stack.layout, name)
    stack.adopt(server)  # `down` stops it with the others
    cluster = stack.cluster(name)
    with step(f"postgres {name} on :{server.port}"):
        if not cluster.initialised():
            cluster.init()
        if not cluster.running():
            cluster.start()
        cluster.ensure_role()
    shard_modules = tuple(dict.fromkeys(s.module for s in SCHEMAS if s.on_shards))
    run_migrations({**stack.environment, "SHARD_SERVERS": json.dumps({name: server.url})},
                   shard_modules)  # fmt: skip
    kept_for = f"tenant {dedicated_to}" if dedicated_to else region or "no region"
    with step(f"topology: {name} for {kept_for}"):
        added = asyncio.run(_publish(stack, name, server.url, region, dedicated_to))
        note(f"version {added.version}")
    with step("every process follows"):
        took = asyncio.run(followed(stack, added.version))
        note(f"followed by every process in {took:.2f}s")
    return ShardAdded(server, added, took)


async def _publish(
    stack: LocalStack, name: str, url: str, region: Region | None, tenant: uuid.UUID | None
) -> ShardTopology:
    engine = create_engine(stack.environment["DIRECTORY_DB_URL"], pool_size=1)
    try:
        return await TopologyStore(engine).add_shard(name, url, region, dedicated_to=tenant)
    finally:
        await engine.dispose()


async def _placed(stack: LocalStack, tenant: uuid.UUID) -> bool:
    conn = await asyncpg.connect(asyncpg_dsn(stack.environment["DIRECTORY_DB_URL"]))
    try:
        found = await conn.fetchval("SELECT 1 FROM tenant_placements WHERE tenant_id = $1", tenant)
    finally:
        await conn.close()
    return found is not None


def isolate_tenant(stack: LocalStack, tenant: uuid.UUID) -> str:
    """A shard server of the tenant's own (`tenant-<first 8 hex digits>`, in no region's
    group, dedicated to it), then the tenant's moves there: its home rows, then its billing
    rows (off the ring, by an override); the two moves' JSON."""
    if not asyncio.run(_placed(stack, tenant)):
        raise TopologyError(f"tenant {tenant} is not placed on any shard")
    name = f"tenant-{tenant.hex[:8]}"
    add_shard(stack, name, None, dedicated_to=tenant)
    moves = {}
    for rows, module in (("home", "accounts.moves"), ("billing", "billing.moves")):
        with step(f"move tenant {tenant}'s {rows} rows to {name}"):
            command = [module, "start", "--tenant", str(tenant), "--to", name]
            moves[rows] = json.loads(_run_module(stack, command, f"the {rows} move"))
    return json.dumps(moves, indent=2)


def grow_ring(stack: LocalStack, shard: str, pause_seconds: float) -> str:
    """Grow the billing ring onto `shard` (a shard of the topology), each phase followed by
    every process before the next; the growth's report (JSON)."""
    followers = [arg for url in follower_urls(stack) for arg in ("--follower", url)]
    command = ["billing.ring", "grow", "--shard", shard, "--pause", str(pause_seconds)]
    with step(f"billing ring onto {shard}"):
        return _run_module(stack, [*command, *followers], "the ring growth")


def _run_module(stack: LocalStack, command: list[str], what: str) -> str:
    """`python -m <command>` with the stack's environment; its standard output (`what`
    failed: RuntimeError with the end of its standard error)."""
    ran = subprocess.run(
        [sys.executable, "-m", *command], env={**os.environ, **stack.environment},
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    if ran.returncode != 0:
        raise RuntimeError(f"{what} failed: {ran.stderr[-2000:]}")
    return ran.stdout


def follower_urls(stack: LocalStack) -> list[str]:
    """Every command service instance: the processes that follow the topology."""
    return [f"http://{HOST}:{i.port}" for i in instances(stack.layout, FOLLOWERS)]


async def followed(stack: LocalStack, version: int) -> float:
    """Seconds until every command service instance reports `version` (from now)."""
    return await followed_by(follower_urls(stack), version)
