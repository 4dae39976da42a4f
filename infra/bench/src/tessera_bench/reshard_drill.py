"""`make reshard-drill`: resharding under live traffic, then an audit.

Tenants take commands (users added, subscriptions changed) and reads (their profile)
without pause while a shard server is added to us-east, tenants are moved onto it one by
one (a big one, with tens of thousands of usage rows, among them), and then the billing
ring grows onto it. Afterwards every acknowledged write must be on the tenant's shard
exactly once and nowhere else, the read model must count each user once, and every
tenant's billing rows must be on the shard the grown ring names, and each tenant's events
must keep their order on Kafka. Prints the figures (time
per 10,000 rows copied, fence p50/max, the ring's growth, what clients saw by status) and
writes them to .run/drill/.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import statistics
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import asyncpg
import httpx
from aiokafka import AIOKafkaConsumer

from accounts.moves import mover
from accounts.settings import AccountsSettings
from tessera_common.db.topology import ServerUrls
from tessera_common.db.urls import asyncpg_dsn, with_database
from tessera_common.events.envelope import EventEnvelope
from tessera_common.events.topics import ACCOUNTS_EVENTS
from tessera_common.resharding.moves import MoveState
from tessera_common.settings import DirectorySettings, ShardSettings
from tessera_common.sharding.topology import ShardTopology
from tessera_common.vocabulary import Region
from tessera_stack.endpoints import Endpoints, local_endpoints
from tessera_stack.shards import add_shard, current_topology, grow_ring
from tessera_stack.stack import LocalStack

TENANTS = 12
MOVED = 5  # of them, besides the big one
BIG_USAGE_ROWS = 40_000
BIG_USERS = 200
PACE_SECONDS = 0.25  # per tenant: about 4 loops of 2 commands and a read a second each
QUIET_TENANTS = 150  # billed, with no traffic: most of the ring's population
RING_PAUSE_SECONDS = 0.05  # between two tenants' billing moves


@dataclass
class Tenant:
    tenant_id: str
    key: str
    acknowledged: list[str] = field(default_factory=list)
    seats: int = 1  # the last seat count acknowledged


@dataclass
class Traffic:
    statuses: Counter[int] = field(default_factory=Counter)
    stop: asyncio.Event = field(default_factory=asyncio.Event)


def _stamp() -> str:
    return datetime.now(UTC).isoformat()


async def _tenant(http: httpx.AsyncClient, operator: dict[str, str], name: str) -> Tenant:
    body = {"name": name, "region": Region.US_EAST.value, "plan": "enterprise"}
    created = await http.post("/v1/tenants", json=body, headers=operator)
    created.raise_for_status()
    return Tenant(created.json()["tenant_id"], created.json()["api_key"])


async def _add_user(http: httpx.AsyncClient, tenant: Tenant, traffic: Traffic, n: int) -> None:
    """One user, retried after each 503's Retry-After until it is acknowledged."""
    while True:
        added = await http.post(
            f"/v1/tenants/{tenant.tenant_id}/users",
            json={"email": f"u{n}@drill.example.com", "name": f"U{n}"},
            headers={"Authorization": f"Bearer {tenant.key}"},
        )
        traffic.statuses[added.status_code] += 1
        if added.status_code == 201:
            tenant.acknowledged.append(added.json()["user_id"])
            return
        if added.status_code not in (429, 503):
            raise RuntimeError(f"a write failed: {added.status_code} {added.text}")
        await asyncio.sleep(float(added.headers.get("retry-after", "1")))


async def _change_seats(http: httpx.AsyncClient, tenant: Tenant, traffic: Traffic) -> None:
    """One more seat, retried after each 503's Retry-After until it is acknowledged."""
    while True:
        changed = await http.put(
            f"/v1/tenants/{tenant.tenant_id}/subscription",
            json={"plan": "enterprise", "seats": tenant.seats + 1},
            headers={"Authorization": f"Bearer {tenant.key}"},
        )
        traffic.statuses[changed.status_code] += 1
        if changed.status_code == 200:
            tenant.seats += 1
            return
        if changed.status_code == 404:  # billing has not met the new tenant yet
            await asyncio.sleep(0.2)
            continue
        if changed.status_code not in (429, 503):
            raise RuntimeError(f"a write failed: {changed.status_code} {changed.text}")
        await asyncio.sleep(float(changed.headers.get("retry-after", "1")))


async def _load(http: httpx.AsyncClient, tenant: Tenant, traffic: Traffic) -> None:
    n = len(tenant.acknowledged)
    while not traffic.stop.is_set():
        n += 1
        await _add_user(http, tenant, traffic, n)
        await _change_seats(http, tenant, traffic)
        read = await http.get(
            f"/v1/tenants/{tenant.tenant_id}", headers={"Authorization": f"Bearer {tenant.key}"}
        )
        traffic.statuses[read.status_code] += 1
        await asyncio.sleep(PACE_SECONDS)


async def _big_usage(http: httpx.AsyncClient, tenant: Tenant) -> None:
    for start in range(0, BIG_USAGE_ROWS, 10_000):
        records = [
            {"event_id": str(uuid.uuid4()), "meter": "api_calls", "quantity": 1,
             "occurred_at": _stamp()}
            for _ in range(min(10_000, BIG_USAGE_ROWS - start))
        ]  # fmt: skip
        sent = await http.post(
            "/v1/usage", json={"records": records},
            headers={"Authorization": f"Bearer {tenant.key}"}, timeout=60,
        )  # fmt: skip
        sent.raise_for_status()


async def _count(
    endpoints: Endpoints, topology: ShardTopology, shard: str, database: str, sql: str, *args: Any
) -> Any:
    server = ServerUrls(endpoints.shard_servers).url(shard, topology.servers[shard])
    conn = await asyncpg.connect(asyncpg_dsn(with_database(server, database)))
    try:
        return await conn.fetchval(sql, *args)
    finally:
        await conn.close()


async def _audit(
    endpoints: Endpoints, http: httpx.AsyncClient, tenants: list[Tenant]
) -> dict[str, int]:
    """Lost, doubled, misplaced and miscounted writes (all should be 0)."""
    topology = await current_topology(LocalStack())
    directory = await asyncpg.connect(asyncpg_dsn(endpoints.directory_db_url))
    try:
        homes = {
            str(row["tenant_id"]): row["shard"]
            for row in await directory.fetch("SELECT tenant_id, shard FROM tenant_placements")
        }
    finally:
        await directory.close()
    found: Counter[str] = Counter()
    for tenant in tenants:
        tid, home = uuid.UUID(tenant.tenant_id), homes[tenant.tenant_id]
        acknowledged = [uuid.UUID(u) for u in tenant.acknowledged]
        present = await _count(
            endpoints, topology, home, "accounts",
            "SELECT count(*) FROM users WHERE tenant_id = $1 AND id = ANY($2::uuid[])",
            tid, acknowledged,
        )  # fmt: skip
        total = await _count(
            endpoints, topology, home, "accounts",
            "SELECT count(*) FROM users WHERE tenant_id = $1", tid,
        )  # fmt: skip
        found["lost"] += len(set(acknowledged)) - present
        found["doubled"] += len(acknowledged) - len(set(acknowledged))
        found["unacknowledged_rows"] += total - present
        for shard in topology.shards:
            if shard != home:
                found["misplaced"] += await _count(
                    endpoints, topology, shard, "accounts",
                    "SELECT count(*) FROM users WHERE tenant_id = $1", tid,
                )  # fmt: skip
        found["read_model_miscounted"] += int(
            not await _read_model_agrees(http, tenant, len(acknowledged))
        )
        seats = await _count(
            endpoints, topology, topology.ring.shard_for(tenant.tenant_id), "billing",
            "SELECT seats FROM subscriptions WHERE tenant_id = $1", tid,
        )  # fmt: skip
        found["billing_lost"] += int(seats != tenant.seats)
    found["billing_misplaced"] = await _billing_misplaced(endpoints, topology)
    events = await _events_by_tenant(endpoints, tenants)
    found["events_out_of_order"] = sum(_out_of_order(e) for e in events.values())
    for tenant in tenants:  # the audit saw every acknowledged user's event
        added = sum(e.event_type == "UserAdded" for e in events.get(tenant.tenant_id, []))
        found["users_without_event"] += max(len(set(tenant.acknowledged)) - added, 0)
    return dict(found)


async def _events_by_tenant(
    endpoints: Endpoints, tenants: list[Tenant]
) -> dict[str, list[EventEnvelope]]:
    """Each tenant's events on `accounts.events`, in partition order."""
    ids = {t.tenant_id.encode() for t in tenants}
    consumer = AIOKafkaConsumer(
        ACCOUNTS_EVENTS, bootstrap_servers=endpoints.kafka_bootstrap,
        enable_auto_commit=False, auto_offset_reset="earliest", isolation_level="read_committed",
    )  # fmt: skip
    await consumer.start()  # no group: every partition, from its beginning
    try:
        partitions = list(consumer.assignment())
        ends = await consumer.end_offsets(partitions)
        seen: dict[str, list[EventEnvelope]] = {}
        deadline = time.monotonic() + 120
        while [p for p in partitions if await consumer.position(p) < ends[p]]:
            if time.monotonic() > deadline:
                raise TimeoutError(f"{ACCOUNTS_EVENTS} was not read to its end in 120 s")
            for records in (await consumer.getmany(timeout_ms=1000, max_records=5000)).values():
                for record in records:
                    if record.key in ids:
                        event = EventEnvelope.from_json(record.value)
                        seen.setdefault(str(event.tenant_id), []).append(event)
    finally:
        await consumer.stop()
    return seen


def _out_of_order(events: list[EventEnvelope]) -> int:
    """How many of a tenant's events come after one that occurred later, or after a later
    version of their own aggregate (a move that let the new shard's events overtake the
    old one's would show here)."""
    disorder = sum(int(b.occurred_at < a.occurred_at) for a, b in itertools.pairwise(events))
    versions: dict[uuid.UUID, int] = {}
    for event in events:
        disorder += int(event.aggregate_version <= versions.get(event.aggregate_id, 0))
        versions[event.aggregate_id] = event.aggregate_version
    return disorder


async def _billing_misplaced(endpoints: Endpoints, topology: ShardTopology) -> int:
    """Subscriptions (of any tenant) on a shard other than the one billing routes them to."""
    directory = await asyncpg.connect(asyncpg_dsn(endpoints.directory_db_url))
    try:
        rows = await directory.fetch("SELECT tenant_id, shard FROM billing_placements")
    finally:
        await directory.close()
    overrides = {row["tenant_id"]: row["shard"] for row in rows}
    misplaced = 0
    for shard in topology.shards:
        server = ServerUrls(endpoints.shard_servers).url(shard, topology.servers[shard])
        conn = await asyncpg.connect(asyncpg_dsn(with_database(server, "billing")))
        try:
            held = await conn.fetch("SELECT tenant_id FROM subscriptions")
        finally:
            await conn.close()
        misplaced += sum(
            topology.billing_shard(row["tenant_id"], overrides) != shard for row in held
        )
    return misplaced


async def _read_model_agrees(http: httpx.AsyncClient, tenant: Tenant, users: int) -> bool:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        profile = await http.get(
            f"/v1/tenants/{tenant.tenant_id}", headers={"Authorization": f"Bearer {tenant.key}"}
        )
        if profile.status_code == 200 and profile.json()["user_count"] == users:
            return True
        await asyncio.sleep(0.5)
    return False


async def drill() -> dict[str, Any]:
    stack = LocalStack()
    endpoints = local_endpoints(stack)
    operator = {"Authorization": f"Bearer {endpoints.operator_key}"}
    settings = AccountsSettings(
        shards=ShardSettings(servers=endpoints.shard_servers),
        directory=DirectorySettings(db_url=endpoints.directory_db_url),
    )
    traffic = Traffic()
    async with httpx.AsyncClient(base_url=endpoints.gateway_url, timeout=30) as http:
        tenants = [await _tenant(http, operator, f"Drill {n}") for n in range(TENANTS)]
        for n in range(QUIET_TENANTS):
            await _tenant(http, operator, f"Quiet {n}")
        big = tenants[0]
        await _big_usage(http, big)
        for n in range(BIG_USERS):
            await _add_user(http, big, traffic, 100_000 + n)
        load = [asyncio.create_task(_load(http, t, traffic)) for t in tenants]
        began = time.monotonic()

        before = await current_topology(stack)
        name = f"shard-{len(before.servers)}"
        added = await asyncio.to_thread(add_shard, stack, name, Region.US_EAST)

        moves: list[dict[str, Any]] = []
        async with mover(settings) as moving:
            for tenant in tenants[: MOVED + 1]:
                planned = await moving.plan(uuid.UUID(tenant.tenant_id), name)
                started = time.monotonic()
                copied = await moving.run(planned.id, stop_after=MoveState.COPIED)
                copy_seconds = time.monotonic() - started
                done = await moving.run(planned.id)
                moves.append({
                    "tenant_id": tenant.tenant_id, "rows_copied": done.rows_copied,
                    "first_copy_rows": copied.rows_copied, "copy_seconds": copy_seconds,
                    "fence_seconds": done.fence_seconds,
                    "seconds": time.monotonic() - started,
                })  # fmt: skip
        ring = json.loads(await asyncio.to_thread(grow_ring, stack, name, RING_PAUSE_SECONDS))
        await asyncio.sleep(5)
        traffic.stop.set()
        await asyncio.gather(*load)
        under_load = time.monotonic() - began
        audit = await _audit(endpoints, http, tenants)

    fences = [m["fence_seconds"] for m in moves]
    biggest = max(moves, key=lambda m: m["first_copy_rows"])
    return {
        "at": _stamp(),
        "tenants": TENANTS, "moved": len(moves), "shard_added": name,
        "shard_followed_seconds": added.followed_seconds, "under_load_seconds": under_load,
        "seconds_per_10k_rows": biggest["copy_seconds"] / biggest["first_copy_rows"] * 10_000,
        "biggest_move_rows": biggest["first_copy_rows"],
        "fence_p50_seconds": statistics.median(fences), "fence_max_seconds": max(fences),
        "client_statuses": dict(sorted(traffic.statuses.items())),
        "acknowledged_writes": sum(len(t.acknowledged) + t.seats - 1 for t in tenants),
        "ring_growth": ring,
        "audit": audit, "moves": moves,
    }  # fmt: skip


def main() -> None:
    result = asyncio.run(drill())
    out = LocalStack().layout.run_dir / "drill"
    out.mkdir(parents=True, exist_ok=True)
    path = out / f"reshard-{datetime.now(UTC):%Y%m%d-%H%M%S}.json"
    path.write_text(json.dumps(result, indent=2))
    print(json.dumps({k: v for k, v in result.items() if k != "moves"}, indent=2))
    print(f"written to {path}")
    if any(result["audit"].values()):
        raise SystemExit("the audit found lost, doubled or misplaced writes")


if __name__ == "__main__":
    main()
