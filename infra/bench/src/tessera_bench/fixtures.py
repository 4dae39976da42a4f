"""The tenant population the benchmarks load: created in bulk through the accounts
service's own domain and unit of work (a shard transaction per 500 tenants, outbox rows
included), then projected by the running stack like any other tenant.

Ids derive from the seed and a generation, so a seed names one population; the keys,
shown once, are kept in `.run/bench/tenants-<seed>.json` for later runs.
"""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

import asyncpg
from sqlalchemy.dialects.postgresql import insert

from accounts.bootstrap import Accounts, bootstrap
from accounts.domain.tenant import Tenant
from accounts.settings import AccountsSettings
from tessera_common.commands.unit_of_work import Origin
from tessera_common.db.engines import create_engine
from tessera_common.db.placements import tenant_placements
from tessera_common.db.urls import asyncpg_dsn
from tessera_common.vocabulary import Currency, Plan, Region

CHUNK = 500
NAMESPACE = uuid.UUID("6f0b7c1e-3d5a-4b8e-9f21-0c4d2e7a9b13")
CURRENCIES = {Region.US_EAST: Currency.USD, Region.EU_WEST: Currency.EUR, Region.APAC: Currency.USD}
Progress = Callable[[str], None]


@dataclass(frozen=True)
class FixtureTenant:
    tenant_id: str
    api_key: str
    region: str
    shard: str


@dataclass(frozen=True)
class Population:
    seed: int
    generation: str
    tenants: list[FixtureTenant]

    def in_regions(self, regions: Sequence[str]) -> list[FixtureTenant]:
        return [t for t in self.tenants if t.region in regions]


def _regions() -> list[Region]:
    return [Region.US_EAST, Region.EU_WEST, Region.APAC]


async def population(
    run_dir: Path, read_db_url: str, seed: int, count: int, progress: Progress
) -> Population:
    """The seed's population of `count` tenants, loaded now unless an earlier run did."""
    stored = run_dir / "bench" / f"tenants-{seed}.json"
    if stored.exists():
        known = json.loads(stored.read_text())
        tenants = [FixtureTenant(**t) for t in known["tenants"]]
        if len(tenants) >= count and await _projected(read_db_url, tenants[:count]) == count:
            progress(f"reusing {count} tenants of seed {seed} ({stored})")
            return Population(seed, known["generation"], tenants[:count])
    generation = uuid.uuid4().hex[:8]  # a fresh population: earlier keys are lost
    started = time.monotonic()
    tenants = await create_tenants(seed, generation, count, progress)
    stored.parent.mkdir(parents=True, exist_ok=True)
    loaded = Population(seed, generation, tenants)
    stored.write_text(json.dumps(asdict(loaded), indent=1))
    progress(f"created {count} tenants in {time.monotonic() - started:.1f}s; projecting")
    await _wait_projected(read_db_url, tenants, progress)
    progress(f"{count} tenants in the read models after {time.monotonic() - started:.1f}s")
    return loaded


async def create_tenants(
    seed: int, generation: str, count: int, progress: Progress
) -> list[FixtureTenant]:
    """`count` new tenants, in bulk, with their keys."""
    accounts = bootstrap(AccountsSettings())
    try:
        return await _create(accounts, seed, generation, count, progress)
    finally:
        await accounts.stop()


async def _create(
    accounts: Accounts, seed: int, generation: str, count: int, progress: Progress
) -> list[FixtureTenant]:
    await accounts.topology.follow()  # new tenants go where the current topology says
    regions = _regions()
    wanted = []
    for rank in range(count):
        tenant_id = uuid.uuid5(NAMESPACE, f"{seed}/{generation}/{rank}")
        region = regions[rank % len(regions)]  # hot ranks spread over every region
        wanted.append((tenant_id, region, accounts.topology.place(tenant_id, region)))
    await _place(accounts.settings.directory.db_url, wanted)
    by_shard: dict[str, list[tuple[int, uuid.UUID, Region]]] = defaultdict(list)
    for rank, (tenant_id, region, shard) in enumerate(wanted):
        by_shard[shard].append((rank, tenant_id, region))
    keys: dict[int, FixtureTenant] = {}
    now = datetime.now(UTC)
    for shard, members in by_shard.items():
        for start in range(0, len(members), CHUNK):
            chunk = members[start : start + CHUNK]
            async with accounts.unit_of_work(Origin.scheduled()) as uow:
                await uow.open(shard)
                for rank, tenant_id, region in chunk:
                    tenant = Tenant.create(
                        tenant_id=tenant_id, name=f"Bench tenant {rank}", region=region,
                        plan=Plan.ENTERPRISE, currency=CURRENCIES[region], shard=shard, now=now,
                    )  # fmt: skip
                    key, plaintext = tenant.issue_api_key(now)
                    await uow.tenants.add(tenant)
                    await uow.api_keys.add(key)
                    keys[rank] = FixtureTenant(str(tenant_id), plaintext, region.value, shard)
                await uow.commit()
            progress(f"  {len(keys)}/{count} tenants written")
    return [keys[rank] for rank in range(count)]


async def _place(directory_url: str, wanted: list[tuple[uuid.UUID, Region, str]]) -> None:
    engine = create_engine(directory_url, pool_size=1, service="bench", shard="directory")
    try:
        async with engine.begin() as conn:
            for start in range(0, len(wanted), CHUNK):
                rows = [
                    {"tenant_id": t, "region": r.value, "shard": s}
                    for t, r, s in wanted[start : start + CHUNK]
                ]
                await conn.execute(
                    insert(tenant_placements).on_conflict_do_nothing(index_elements=["tenant_id"]),
                    rows,
                )
    finally:
        await engine.dispose()


async def _projected(read_db_url: str, tenants: Sequence[FixtureTenant]) -> int:
    ids = [uuid.UUID(t.tenant_id) for t in tenants]
    conn = await asyncpg.connect(asyncpg_dsn(read_db_url))
    try:
        found: int = await conn.fetchval("SELECT count(*) FROM tenants WHERE id = ANY($1)", ids)
    finally:
        await conn.close()
    return found


async def _wait_projected(
    read_db_url: str, tenants: Sequence[FixtureTenant], progress: Progress, within: float = 600
) -> None:
    deadline = time.monotonic() + within
    while (found := await _projected(read_db_url, tenants)) < len(tenants):
        if time.monotonic() > deadline:
            raise TimeoutError(f"only {found} of {len(tenants)} tenants were projected")
        progress(f"  {found}/{len(tenants)} tenants projected")
        await asyncio.sleep(2)
