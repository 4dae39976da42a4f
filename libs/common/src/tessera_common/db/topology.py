"""The shard topology as data: every version in the directory database, followed by each
process within a poll interval, without a restart.

A deployment's configuration (`SHARD_SERVERS`, `SHARD_REGIONS`) seeds version 1; from then
on the table is the truth, and operators change it by publishing a new version
(`make shard-add`). Versions are never rewritten, so the table is also the history.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from typing import Any

import structlog
from prometheus_client import Gauge, Histogram
from sqlalchemy import Column, DateTime, Integer, MetaData, Table, Text, func, select
from sqlalchemy.dialects.postgresql import JSONB, insert
from sqlalchemy.engine import make_url
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine
from tenacity import AsyncRetrying, retry_if_exception_type, stop_after_attempt

from tessera_common.background import poll_forever
from tessera_common.db.engines import create_engine
from tessera_common.sharding.topology import ShardTopology, TopologyError
from tessera_common.vocabulary import Region

log = structlog.get_logger(__name__)

metadata = MetaData()

shard_topology = Table(
    "shard_topology",
    metadata,
    Column("version", Integer, primary_key=True),
    Column("document", JSONB, nullable=False),
    Column("reason", Text, nullable=False),
    Column("published_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)

TOPOLOGY_VERSION = Gauge(
    "tessera_topology_version", "The shard topology version this process follows.", ["service"]
)
TOPOLOGY_FOLLOW_SECONDS = Histogram(
    "tessera_topology_follow_seconds",
    "From a shard topology version's publication to this process following it.",
    ["service"],
    buckets=(0.1, 0.25, 0.5, 1.0, 1.5, 2.0, 3.0, 5.0, 10.0, 30.0),
)
SEED_REASON = "seeded from the deployment's configuration"


class TopologyConflictError(TopologyError):
    """Another version was published since the one a change was made from."""


def address_of(url: str) -> str:
    """A server URL without its password: what the topology records."""
    # URL.set() takes None as "unchanged"; the URL is a named tuple, and _replace clears it.
    return make_url(url)._replace(password=None).render_as_string(hide_password=False)


class ServerUrls:
    """How this process reaches each shard's server. A shard its own configuration names is
    reached by that URL (its credentials, and whatever proxy stands in the way); any other,
    by the topology's address, with the password the configuration holds for its user."""

    def __init__(self, configured: Mapping[str, str]) -> None:
        self._configured = dict(configured)
        self._passwords: dict[str, str] = {}
        for url in configured.values():
            parsed = make_url(url)
            if parsed.username and parsed.password is not None:
                self._passwords.setdefault(parsed.username, str(parsed.password))

    def url(self, shard: str, address: str) -> str:
        """TopologyError when the address's user has no password here."""
        if shard in self._configured:
            return self._configured[shard]
        parsed = make_url(address)
        if parsed.password is not None:
            return address
        password = self._passwords.get(parsed.username or "")
        if password is None:
            raise TopologyError(
                f"{shard}'s server wants user {parsed.username!r}, whose password this "
                "process's configuration does not hold"
            )
        return parsed.set(password=password).render_as_string(hide_password=False)

    def urls(self, topology: ShardTopology) -> dict[str, str]:
        return {shard: self.url(shard, address) for shard, address in topology.servers.items()}


class TopologyStore:
    """The versions in the directory database."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def seed(self, topology: ShardTopology) -> None:
        """Version 1, unless the table has it already."""
        stmt = (
            insert(shard_topology)
            .values(version=1, document=topology.to_document(), reason=SEED_REASON)
            .on_conflict_do_nothing(index_elements=["version"])
        )
        async with self._engine.begin() as conn:
            await conn.execute(stmt)

    async def newer_than(self, version: int) -> tuple[ShardTopology, float] | None:
        """The newest version after `version` and its age in seconds, or None."""
        age = func.extract("epoch", func.now() - shard_topology.c.published_at)
        query = (
            select(shard_topology.c.version, shard_topology.c.document, age)
            .where(shard_topology.c.version > version)
            .order_by(shard_topology.c.version.desc())
            .limit(1)
        )
        async with self._engine.connect() as conn:
            row = (await conn.execute(query)).first()
        if row is None:
            return None
        return ShardTopology.from_document(row[0], row[1]), float(row[2])

    async def latest(self) -> ShardTopology:
        found = await self.newer_than(0)
        if found is None:
            raise TopologyError("the directory holds no shard topology yet")
        return found[0]

    async def history(self) -> list[dict[str, Any]]:
        query = select(
            shard_topology.c.version, shard_topology.c.reason, shard_topology.c.published_at
        ).order_by(shard_topology.c.version)
        async with self._engine.connect() as conn:
            rows = (await conn.execute(query)).all()
        return [{"version": v, "reason": r, "published_at": at.isoformat()} for v, r, at in rows]

    async def publish(self, topology: ShardTopology, reason: str) -> None:
        """Record `topology` as the next version; TopologyConflictError if it was taken."""
        stmt = insert(shard_topology).values(
            version=topology.version, document=topology.to_document(), reason=reason
        )
        try:
            async with self._engine.begin() as conn:
                await conn.execute(stmt)
        except IntegrityError as exc:
            raise TopologyConflictError(
                f"topology version {topology.version} was published meanwhile; start again "
                "from the newest"
            ) from exc

    async def change(
        self, change: Callable[[ShardTopology], ShardTopology], reason: str, *, attempts: int = 3
    ) -> ShardTopology:
        """Publish `change` of the newest version, made again from the newest if another
        change took its number meanwhile."""
        retrying = AsyncRetrying(
            retry=retry_if_exception_type(TopologyConflictError),
            stop=stop_after_attempt(attempts),
            reraise=True,
        )
        async for attempt in retrying:
            with attempt:
                changed = change(await self.latest())
                await self.publish(changed, reason)
        return changed

    async def add_shard(
        self, shard: str, address: str, region: Region | None, *,
        dedicated_to: uuid.UUID | None = None,
    ) -> ShardTopology:  # fmt: skip
        """Publish the newest version with `shard` added (see ShardTopology.with_shard)."""
        kept_for = f"tenant {dedicated_to}" if dedicated_to else region or "no region"
        return await self.change(
            lambda latest: latest.with_shard(shard, address_of(address), region, dedicated_to),
            f"shard-add {shard} ({kept_for})",
        )


async def read_topology(directory_url: str) -> ShardTopology:
    """The newest topology in the directory at `directory_url`, on a connection of its own
    (for tools and probes; a service follows it with a TopologyFollower)."""
    engine = create_engine(directory_url, pool_size=1)
    try:
        return await TopologyStore(engine).latest()
    finally:
        await engine.dispose()


Listener = Callable[[ShardTopology], None]


class TopologyFollower:
    """This process's view of the topology: the seed until the directory answers, then the
    newest version, asked for every `poll_seconds`. Listeners see each version it takes,
    before `current` names it."""

    def __init__(
        self, store: TopologyStore, seed: ShardTopology, *, service: str, poll_seconds: float
    ) -> None:
        self._store = store
        self._seed = seed
        self._current = seed
        self._service = service
        self._poll_seconds = poll_seconds
        self._listeners: list[Listener] = []
        self._following = False  # until its first read, even version 1 comes from the directory
        TOPOLOGY_VERSION.labels(service).set(0)  # none read from the directory yet

    @property
    def current(self) -> ShardTopology:
        return self._current

    def place(self, tenant_id: uuid.UUID, region: Region) -> str:
        """The home shard of a new tenant of `region`, by the version in hand."""
        return self._current.place(tenant_id, region)

    def on_change(self, listener: Listener) -> None:
        self._listeners.append(listener)

    async def follow(self) -> bool:
        """Take the newest version if there is one; True when it changed. Until it has read
        one, it seeds the directory first (idempotent: the first seed wins)."""
        if not self._following:
            await self._store.seed(self._seed)
        found = await self._store.newer_than(self._current.version if self._following else 0)
        if found is None:
            return False
        topology, age_seconds = found
        for listener in self._listeners:
            listener(topology)
        changed, was_following = topology != self._current, self._following
        self._current, self._following = topology, True
        TOPOLOGY_VERSION.labels(self._service).set(topology.version)
        if changed:
            log.info("topology_followed", version=topology.version, after_seconds=age_seconds)
        if changed and was_following:  # a version published while this process followed
            TOPOLOGY_FOLLOW_SECONDS.labels(self._service).observe(age_seconds)
        return changed

    async def run(self) -> None:
        """`follow` every poll interval; while the directory is down, the version in hand
        stands."""
        await poll_forever(self.follow, self._poll_seconds, failure="topology_follow_failed")
