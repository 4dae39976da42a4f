"""The status board: one snapshot of the whole system, shared by every viewer for a second.

Every gateway answers with the same picture: each gateway instance (STATUS_GATEWAYS) and
each instance of each upstream is probed and scraped, so the KPIs cover all of them.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

import httpx
from prometheus_client import generate_latest

from gateway.status import probes
from gateway.status.settings import StatusSettings
from tessera_common.db.topology import ServerUrls
from tessera_common.observability.exposition import Scrape
from tessera_common.observability.kpis import report
from tessera_common.redis_client import create_redis
from tessera_common.settings import RedisSettings
from tessera_common.sharding.topology import ShardTopology, TopologyError
from tessera_common.timestamps import rfc3339
from tessera_common.vocabulary import Region

SNAPSHOT_TTL_SECONDS = 1.0


class StatusBoard:
    def __init__(
        self,
        settings: StatusSettings,
        upstreams: Mapping[str, Sequence[str]],
        redis: RedisSettings,
    ) -> None:
        self._settings = settings
        gateways = {"gateway": settings.gateways} if settings.gateways else {}
        projector = {"projector": [settings.projector_url]} if settings.projector_url else {}
        # Every instance this board probes and scrapes, as (service, instance name, URL).
        self._instances = [
            (service, f"{service}-{index}", url)
            for service, urls in {**gateways, **upstreams, **projector}.items()
            for index, url in enumerate(urls)
        ]
        self._redis_settings = redis
        self._client: httpx.AsyncClient | None = None
        self._lock = asyncio.Lock()
        self._snapshot: tuple[float, dict[str, Any]] | None = None

    async def snapshot(self) -> dict[str, Any]:
        """The latest snapshot, taken afresh when older than a second."""
        async with self._lock:
            if (
                self._snapshot is None
                or time.monotonic() - self._snapshot[0] > SNAPSHOT_TTL_SECONDS
            ):
                self._snapshot = (time.monotonic(), await self._take())
            return self._snapshot[1]

    async def _take(self) -> dict[str, Any]:
        if self._client is None:
            self._client = httpx.AsyncClient(timeout=probes.PROBE_TIMEOUT_SECONDS)
        topology = None
        if self._settings.directory_db_url:
            topology = await probes.shard_topology(self._settings.directory_db_url)
        components, shard_map, (scrape, scraped) = await asyncio.gather(
            self._components(self._client, topology),
            self._shard_map(topology),
            self._scrape(self._client),
        )
        return {
            "generated_at": rfc3339(datetime.now(UTC).replace(microsecond=0)),
            "refresh_seconds": self._settings.refresh_seconds,
            "components": components,
            "shard_map": shard_map,
            "scraped": scraped,
            **report(scrape),
        }

    def _postgres(self, topology: ShardTopology | None) -> dict[str, str]:
        """The configured servers, and the shards the topology has added since."""
        servers = dict(self._settings.postgres)
        if topology is not None:
            urls = ServerUrls(servers)
            for shard, address in topology.servers.items():
                if shard not in servers:
                    try:
                        servers[shard] = urls.url(shard, address)
                    except TopologyError:  # no password for its user here: not probed
                        continue
        return servers

    async def _components(
        self, client: httpx.AsyncClient, topology: ShardTopology | None
    ) -> list[dict[str, str]]:
        settings = self._settings
        checks: list[tuple[str, str, str, str, Any]] = [
            (service, instance, "service", url, probes.service_state(client, url))
            for service, instance, url in self._instances
        ]
        checks += [
            (name, name, "postgres", url, probes.postgres_state(url))
            for name, url in sorted(self._postgres(topology).items())
        ]
        redis = create_redis(self._redis_settings)
        url = self._redis_settings.url
        checks.append(("redis", "redis", "redis", url, probes.redis_state(redis)))
        if kafka := settings.kafka_bootstrap_servers:
            checks.append(
                ("kafka", "kafka", "kafka", f"kafka://{kafka}", probes.kafka_state(kafka))
            )
        try:
            states = await asyncio.gather(*(check for *_, check in checks))
        finally:
            await redis.aclose()
        rows = []
        if not settings.gateways:  # the others are unknown: this one, which is answering
            rows.append(_row("gateway", "gateway-0", "service", "self", "ready"))
        rows += [
            _row(name, instance, kind, probes.address_of(url), state)
            for (name, instance, kind, url, _), state in zip(checks, states, strict=True)
        ]
        return rows

    async def _shard_map(self, topology: ShardTopology | None) -> dict[str, Any]:
        """Each region's shards (the topology's groups once it can be read) and tenants."""
        regions = self._settings.regions
        if topology is not None:
            regions = {r.value: list(topology.regions.group(r)) for r in Region}
        tenants: dict[str, dict[str, int | None]] = {
            region: dict.fromkeys(shards) for region, shards in regions.items()
        }
        if self._settings.directory_db_url:
            tenants = await probes.tenants_per_region_and_shard(
                self._settings.directory_db_url, regions
            )
        # A shard shared by regions holds the sum of their tenants: each tenant has one region.
        totals: dict[str, int | None] = {}
        for counts in tenants.values():
            for shard, count in counts.items():
                known = totals.get(shard, 0)
                totals[shard] = None if count is None or known is None else known + count
        return {"regions": regions, "tenants": tenants, "shards": dict(sorted(totals.items()))}

    async def _scrape(self, client: httpx.AsyncClient) -> tuple[Scrape, list[str]]:
        """Every gateway's and every other instance's metrics, and who answered."""
        pages = await asyncio.gather(
            *(client.get(f"{url}/metrics") for *_, url in self._instances),
            return_exceptions=True,
        )
        answered = [
            (instance, page.text)
            for (_, instance, _), page in zip(self._instances, pages, strict=True)
            if isinstance(page, httpx.Response) and page.status_code == 200
        ]
        texts = [text for _, text in answered]
        scraped = [instance for instance, _ in answered]
        if not self._settings.gateways:
            texts.append(generate_latest().decode())
            scraped.insert(0, "gateway-0")
        return Scrape.parse(*texts), scraped


def _row(name: str, instance: str, kind: str, address: str, state: str) -> dict[str, str]:
    return {"name": name, "instance": instance, "kind": kind, "address": address, "state": state}
